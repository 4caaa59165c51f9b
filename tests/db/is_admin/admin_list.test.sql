-- is_admin(): true only for a signed-in user listed in private.admin_users; false for
-- other users, anonymous callers, the service role (no user) and a user removed from the list.
begin;
select plan(9);

select tests.create_supabase_user('isadm_admin');
select tests.create_supabase_user('isadm_user');
insert into private.admin_users (user_id) values (tests.get_supabase_uid('isadm_admin'));

select tests.authenticate_as('isadm_admin');
select is(public.is_admin(), true, 'a listed user is an admin');
select tests.clear_authentication();

select tests.authenticate_as('isadm_user');
select is(public.is_admin(), false, 'an unlisted user is not');
select throws_ok($$select * from private.admin_users$$, '42501', 'permission denied for schema private',
  'a user cannot read (or edit) the admin list');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(public.is_admin(), false, 'the service role is not an admin user (no uid)');
select tests.clear_authentication();

select is(public.is_admin(), false, 'no JWT (SQL editor): false');

select tests.authenticate_as_anon();
select throws_ok($$select public.is_admin()$$, '42501', 'permission denied for function is_admin', 'anon: no EXECUTE');
select tests.clear_authentication();

delete from private.admin_users where user_id = tests.get_supabase_uid('isadm_admin');
select tests.authenticate_as('isadm_admin');
select is(public.is_admin(), false, 'removed from the list: no longer an admin');
select tests.clear_authentication();

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.is_admin()'::regprocedure and a.grantee = 0),
  'PUBLIC cannot execute it');
select is((select array[prosecdef::text, provolatile::text] from pg_proc where oid = 'public.is_admin()'::regprocedure),
  array['true', 's'], 'security definer (reads the private list), stable');

select * from finish();
rollback;
