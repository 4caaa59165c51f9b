-- Permission matrix: authenticated and service_role may execute it (policies call it as
-- the querying user); anon and PUBLIC may not. It is security definer (it reads grants a
-- user could not read through RLS), stable, with a pinned search_path.
begin;
select plan(8);

select set_config('fix.self', tests.create_user_with_profile('hpa_perm')::text, true);
select set_config('fix.other', tests.create_user_with_profile('hpa_perm_other')::text, true);
select set_config('fix.uid', tests.get_supabase_uid('hpa_perm')::text, true);

select tests.authenticate_as_anon();
select throws_ok(format('select public.has_profile_access(%L, %L)', current_setting('fix.uid'), current_setting('fix.self')),
  '42501', 'permission denied for function has_profile_access', 'anon: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as('hpa_perm');
select ok(public.has_profile_access(auth.uid(), current_setting('fix.self')::uuid), 'authenticated: own profile true');
select ok(not public.has_profile_access(auth.uid(), current_setting('fix.other')::uuid), 'authenticated: another''s profile false');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok(format('select public.has_profile_access(%L, %L)', current_setting('fix.uid'), current_setting('fix.self')),
  'service_role: allowed');
select tests.clear_authentication();

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.has_profile_access(uuid, uuid)'::regprocedure and a.grantee = 0),
  'PUBLIC cannot execute it');
select is((select prosecdef from pg_proc where oid = 'public.has_profile_access(uuid, uuid)'::regprocedure), true, 'security definer');
select is((select provolatile from pg_proc where oid = 'public.has_profile_access(uuid, uuid)'::regprocedure), 's'::"char", 'stable');
select is((select proconfig from pg_proc where oid = 'public.has_profile_access(uuid, uuid)'::regprocedure), array['search_path=pg_catalog, pg_temp'],
  'search_path pinned to pg_catalog, pg_temp');

select * from finish();
rollback;
