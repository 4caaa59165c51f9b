-- The guard and the permission matrix: anon no EXECUTE; a user for a profile they own or
-- hold an active grant to, not another's, not with a revoked or expired grant; the
-- service role for any profile. Reading writes nothing.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('gus_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('gus_bob')::text, true);
select tests.create_supabase_user('gus_carer');
select tests.create_supabase_user('gus_former');
select tests.create_supabase_user('gus_lapsed');
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at, expires_at)
values (current_setting('fix.alice')::uuid, tests.get_supabase_uid('gus_carer'), 'read', null, now() + interval '1 day'),
       (current_setting('fix.alice')::uuid, tests.get_supabase_uid('gus_former'), 'read', now() - interval '1 day', null),
       (current_setting('fix.alice')::uuid, tests.get_supabase_uid('gus_lapsed'), 'read', null, now() - interval '1 second');

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.get_user_usage_status(uuid)'::regprocedure and a.grantee = 0),
  'PUBLIC cannot execute it');

select tests.authenticate_as_anon();
select throws_ok(format('select public.get_user_usage_status(%L)', current_setting('fix.alice')),
  '42501', 'permission denied for function get_user_usage_status', 'anon: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as('gus_alice');
select set_config('fix.own', public.get_user_usage_status(current_setting('fix.alice')::uuid)::text, true);
select throws_ok($$select public.get_user_usage_status(null)$$,
  '22023', 'get_user_usage_status: p_profile_id must not be null', 'a null profile is refused');
select throws_ok(format('select public.get_user_usage_status(%L)', current_setting('fix.bob')),
  '42501', 'get_user_usage_status: no access to this profile', 'another person''s profile: refused');
select throws_ok(format('select public.get_user_usage_status(%L)', extensions.gen_random_uuid()),
  '42501', 'get_user_usage_status: no access to this profile', 'an unknown profile: refused the same way');
select tests.clear_authentication();

select is(current_setting('fix.own')::jsonb, private.usage_status(current_setting('fix.alice')::uuid),
  'the owner gets the profile''s status');

select tests.authenticate_as('gus_carer');
select is(public.get_user_usage_status(current_setting('fix.alice')::uuid) ->> 'profile_id', current_setting('fix.alice'),
  'a holder of an active grant (even read-only) gets the status');
select tests.clear_authentication();

select tests.authenticate_as('gus_former');
select throws_ok(format('select public.get_user_usage_status(%L)', current_setting('fix.alice')),
  '42501', 'get_user_usage_status: no access to this profile', 'a revoked grant: refused');
select tests.clear_authentication();

select tests.authenticate_as('gus_lapsed');
select throws_ok(format('select public.get_user_usage_status(%L)', current_setting('fix.alice')),
  '42501', 'get_user_usage_status: no access to this profile', 'an expired grant: refused');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select is(public.get_user_usage_status(current_setting('fix.bob')::uuid) ->> 'profile_id', current_setting('fix.bob'),
  'service_role: any profile');
select tests.clear_authentication();

-- postgres without a JWT is neither.
select throws_ok(format('select public.get_user_usage_status(%L)', current_setting('fix.alice')),
  '42501', 'get_user_usage_status: no access to this profile', 'a caller with no identity: refused');

select is((select count(*) from public.user_usage_tracking where profile_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'reading the status created no usage row');
select is((select provolatile from pg_proc where oid = 'public.get_user_usage_status(uuid)'::regprocedure), 's'::"char",
  'declared stable: it only reads');

select * from finish();
rollback;
