-- Permission matrix: anon no EXECUTE; a user sees the files of profiles they can access
-- (own, or an active grant); another person's file is "not found" (P0002, existence not
-- revealed), also for a revoked grant; service_role sees any.
begin;
select plan(8);

select tests.create_user_with_profile('gps_perm_alice') as alice \gset
select tests.create_user_with_profile('gps_perm_bob') as bob \gset
select tests.create_supabase_user('gps_perm_carer');
select tests.create_supabase_user('gps_perm_former');
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at)
values (:'alice', tests.get_supabase_uid('gps_perm_carer'), 'read', null),
       (:'alice', tests.get_supabase_uid('gps_perm_former'), 'read', now());
select shell_file_id as alice_file from tests.create_processing_job(:'alice', 'w1') \gset

select ok(not has_function_privilege('public', 'public.get_processing_status(uuid)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format('select public.get_processing_status(%L)', :'alice_file'), '42501',
  'permission denied for function get_processing_status', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('gps_perm_alice');
select is(public.get_processing_status(:'alice_file') ->> 'status', 'queued', 'the owner: her file''s status');
select tests.clear_authentication();
select tests.authenticate_as('gps_perm_bob');
select throws_ok(format('select public.get_processing_status(%L)', :'alice_file'), 'P0002',
  'get_processing_status: shell file not found', 'another person: not found');
select tests.clear_authentication();
select tests.authenticate_as('gps_perm_carer');
select is(public.get_processing_status(:'alice_file') ->> 'status', 'queued', 'a holder of an active grant: allowed');
select tests.clear_authentication();
select tests.authenticate_as('gps_perm_former');
select throws_ok(format('select public.get_processing_status(%L)', :'alice_file'), 'P0002',
  'get_processing_status: shell file not found', 'a revoked grant: not found');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.get_processing_status(:'alice_file') ->> 'shell_file_id', :'alice_file', 'service_role: allowed');
select tests.clear_authentication();
select is(provolatile::text, 's', 'it is stable (reads only)') from pg_proc where oid = 'public.get_processing_status(uuid)'::regprocedure;

select * from finish();
rollback;
