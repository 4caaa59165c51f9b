-- Permission matrix: only service_role (the worker) may finish a job.
begin;
select plan(6);

select tests.create_user_with_profile('fsfj_perm_alice') as alice \gset
select tests.create_user_with_profile('fsfj_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": true}') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1',
  '{"page_count": 1, "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": true}') \gset

select ok(not has_function_privilege('public', 'public.finish_shell_file_job(uuid, text)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'own_job'), '42501',
  'permission denied for function finish_shell_file_job', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('fsfj_perm_alice');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'own_job'), '42501',
  'permission denied for function finish_shell_file_job', 'a user, on their own profile''s job: refused');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'other_job'), '42501',
  'permission denied for function finish_shell_file_job', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.finish_shell_file_job(:'own_job', 'w1'), true, 'service_role: finished');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where id in (:'own_job', :'other_job') and status = 'completed'), 1, 'only the service_role call wrote');

select * from finish();
rollback;
