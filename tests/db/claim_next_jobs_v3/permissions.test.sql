-- Permission matrix: only service_role may claim a batch.
begin;
select plan(7);

delete from public.job_queue;
select tests.create_user_with_profile('claim_batch_perm_own') as own_profile \gset
select tests.create_user_with_profile('claim_batch_perm_other') as other_profile \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id) values
  ('00000000-0000-4000-8000-000000000950', 'report_generation', 'standard', 'own', '{"k": 1}', :'own_profile'),
  ('00000000-0000-4000-8000-000000000951', 'report_generation', 'standard', 'other', '{"k": 1}', :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select * from public.claim_next_jobs_v3('w-anon')$$, '42501',
  'permission denied for function claim_next_jobs_v3', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('claim_batch_perm_own');
select throws_ok($$select * from public.claim_next_jobs_v3('w-own', array['report_generation'], max_jobs => 1)$$, '42501',
  'permission denied for function claim_next_jobs_v3', 'a user is refused, even with a job for their own profile queued');

select tests.clear_authentication();
select tests.authenticate_as('claim_batch_perm_other');
select throws_ok($$select * from public.claim_next_jobs_v3('w-other')$$, '42501',
  'permission denied for function claim_next_jobs_v3', 'another user is refused');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select array_agg(job_id order by job_id) from public.claim_next_jobs_v3('w-service')),
  array['00000000-0000-4000-8000-000000000950', '00000000-0000-4000-8000-000000000951']::uuid[],
  'service_role claims the batch');

select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where status = 'processing'), 2, 'both jobs are processing');
select is((select array_agg(distinct worker_id) from public.job_queue), array['w-service'],
  'only the service_role call claimed');
select ok(not has_function_privilege('public', 'public.claim_next_jobs_v3(text, text[], text[], integer)', 'execute'),
  'PUBLIC has no EXECUTE');

select * from finish();
rollback;
