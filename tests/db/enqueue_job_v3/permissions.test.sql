-- Permission matrix: only service_role may enqueue (clients go through an Edge Function).
begin;
select plan(7);

select tests.create_user_with_profile('enqueue_perm_own') as own_profile \gset
select tests.create_user_with_profile('enqueue_perm_other') as other_profile \gset
select count(*) as jobs_before from public.job_queue \gset

select tests.authenticate_as_anon();
select throws_ok(format($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', patient_id => %L)$$, :'own_profile'),
  '42501', 'permission denied for function enqueue_job_v3', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('enqueue_perm_own');
select throws_ok(format($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', patient_id => %L)$$, :'own_profile'),
  '42501', 'permission denied for function enqueue_job_v3', 'a user, for their own profile, is refused');
select throws_ok(format($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', patient_id => %L)$$, :'other_profile'),
  '42501', 'permission denied for function enqueue_job_v3', 'a user, for another''s profile, is refused');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select lives_ok(format($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', patient_id => %L)$$, :'own_profile'),
  'service_role may enqueue');

select tests.clear_authentication();
select is((select count(*) from public.job_queue), (:jobs_before + 1)::bigint, 'only the service_role call wrote a job');
select ok(not has_function_privilege('public',
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)', 'execute'),
  'PUBLIC has no EXECUTE');
select ok(has_function_privilege('service_role',
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)', 'execute'),
  'service_role has EXECUTE');

select * from finish();
rollback;
