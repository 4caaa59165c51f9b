-- With max_retries = 2: two failures are retried, the third dead-letters.
begin;
select plan(11);

select tests.create_user_with_profile('fail_dl_patient') as patient \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, max_retries, patient_id)
values ('00000000-0000-4000-8000-000000000502', 'report_generation', 'standard', 'a', '{"k": 1}', 2, :'patient');
select count(*) as audit_before from public.audit_log \gset

-- attempt 1
update public.job_queue set status = 'processing', worker_id = 'w1', heartbeat_at = now() where id = '00000000-0000-4000-8000-000000000502';
select is(public.fail_job('00000000-0000-4000-8000-000000000502', 'w1', '{"m": "one"}'), 'retrying', 'attempt 1 fails: retrying');
-- attempt 2
update public.job_queue set status = 'processing', worker_id = 'w2', heartbeat_at = now() where id = '00000000-0000-4000-8000-000000000502';
select is(public.fail_job('00000000-0000-4000-8000-000000000502', 'w2', '{"m": "two"}'), 'retrying', 'attempt 2 fails: retrying');
-- attempt 3
update public.job_queue set status = 'processing', worker_id = 'w3', heartbeat_at = now() where id = '00000000-0000-4000-8000-000000000502';
select is(public.fail_job('00000000-0000-4000-8000-000000000502', 'w3', '{"m": "three"}'), 'dead_lettered',
  'attempt 3 fails with no retries left: dead_lettered');

select is(q.status, 'failed', 'status failed') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select is(q.dead_letter_at, now(), 'dead_letter_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select is(q.retry_count, 3, 'retry_count counts every failed attempt') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select is(q.error_details ->> 'dead_letter_reason', 'max_retries_exhausted', 'the reason') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select is(jsonb_path_query_array(q.error_details, '$.attempts[*].error.m'), '["one", "two", "three"]'::jsonb,
  'every attempt''s error kept, in order') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select ok(q.heartbeat_at is null and q.worker_id = 'w3', 'lease released; last holder kept')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000502';
select is((select count(*) from public.audit_log) - :audit_before, 1::bigint, 'one audit event: the dead-lettering');
select ok(exists (select 1 from public.audit_log a where a.job_id = '00000000-0000-4000-8000-000000000502'
                     and a.patient_id = :'patient' and a.new_values ->> 'dead_letter_reason' = 'max_retries_exhausted'),
  'audited with job, patient and reason');

select * from finish();
rollback;
