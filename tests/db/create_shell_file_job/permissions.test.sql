-- Permission matrix: only service_role may call it (the intake function). A user, even for
-- their own profile, has no EXECUTE: intake must go through the Edge Function, which reads
-- the size from Storage.
begin;
select plan(7);

select tests.create_user_with_profile('csfj_perm_alice') as alice \gset
select tests.create_user_with_profile('csfj_perm_bob') as bob \gset
select tests.get_supabase_uid('csfj_perm_alice') as alice_uid \gset
select format($$select * from public.create_shell_file_job(%L, %L, %L, null, 'application/pdf', 10, 1, %L, 1)$$,
              :'alice_uid', :'alice', :'alice' || '/p.pdf', 'csfj-perm-key-1') as own_call \gset
select format($$select * from public.create_shell_file_job(%L, %L, %L, null, 'application/pdf', 10, 1, %L, 1)$$,
              :'alice_uid', :'bob', :'bob' || '/p.pdf', 'csfj-perm-key-2') as other_call \gset

select ok(not has_function_privilege('public', 'public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer)', 'execute'),
  'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(:'own_call', '42501', 'permission denied for function create_shell_file_job', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('csfj_perm_alice');
select throws_ok(:'own_call', '42501', 'permission denied for function create_shell_file_job', 'a user, for their own profile: refused');
select throws_ok(:'other_call', '42501', 'permission denied for function create_shell_file_job', 'a user, for another''s profile: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select lives_ok(:'own_call', 'service_role: allowed');
select tests.clear_authentication();
select is((select count(*)::integer from public.shell_files where patient_id in (:'alice', :'bob')), 1, 'only the service_role call wrote');
select is((select uploaded_by from public.shell_files where patient_id = :'alice'), :'alice_uid'::uuid, 'recorded as uploaded by the user it names');

select * from finish();
rollback;
