-- Permission matrix: only service_role (the worker) may fail a job.
begin;
select plan(6);

select tests.create_user_with_profile('fsf_perm_alice') as alice \gset
select tests.create_user_with_profile('fsf_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1') \gset

select ok(not has_function_privilege('public', 'public.fail_shell_file_job(uuid, text, jsonb, boolean)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', '{}', false)$$, :'own_job'), '42501',
  'permission denied for function fail_shell_file_job', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('fsf_perm_alice');
select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', '{}', false)$$, :'own_job'), '42501',
  'permission denied for function fail_shell_file_job', 'a user, on their own profile''s job: refused');
select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', '{}', false)$$, :'other_job'), '42501',
  'permission denied for function fail_shell_file_job', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.fail_shell_file_job(:'own_job', 'w1', '{}', false), 'dead_lettered', 'service_role: allowed');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where id in (:'own_job', :'other_job') and status = 'failed'), 1, 'only the service_role call wrote');

select * from finish();
rollback;
