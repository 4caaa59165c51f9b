-- An operator puts a dead-lettered job back: pending now, a fresh set of retries,
-- the reason in the history and the audit log.
begin;
select plan(9);

select tests.create_user_with_profile('retry_dl_patient') as patient \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, retry_count, max_retries,
                              dead_letter_at, scheduled_at, error_details, patient_id)
values ('00000000-0000-4000-8000-000000000601', 'report_generation', 'standard', 'a', '{"k": 1}', '{"page": 3}', 'failed', 'w9', 4, 3,
        now() - interval '1 day', now() - interval '1 day',
        '{"attempts": [{"event": "failed", "error": {"m": "x"}}], "dead_letter_reason": "max_retries_exhausted"}', :'patient');
select count(*) as audit_before from public.audit_log \gset

select ok(public.retry_dead_letter('00000000-0000-4000-8000-000000000601', 'provider fixed'), 'retried: true');
select ok(q.status = 'pending' and q.dead_letter_at is null, 'pending, out of the dead-letter queue')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select is(q.retry_count, 0, 'retry_count reset') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select is(q.scheduled_at, now(), 'due now') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select ok(q.worker_id is null and q.heartbeat_at is null, 'no holder') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select ok(not (q.error_details ? 'dead_letter_reason')
          and q.error_details -> 'attempts' -> 0 ->> 'event' = 'failed'
          and q.error_details -> 'attempts' -> 1 @> '{"event": "retried_from_dead_letter", "reason": "provider fixed", "previous_retry_count": 4, "previous_dead_letter_reason": "max_retries_exhausted"}'::jsonb,
  'history kept, the retry and its reason appended, dead_letter_reason cleared')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000601';
select ok(exists (select 1 from public.audit_log a where a.job_id = '00000000-0000-4000-8000-000000000601'
                     and a.patient_id = :'patient' and a.reason like '%provider fixed%'),
  'audited with job, patient and reason');
select is((select job_id from public.claim_next_job_v3('w10', array['report_generation']) where job_id = '00000000-0000-4000-8000-000000000601'),
  '00000000-0000-4000-8000-000000000601'::uuid, 'and it can be claimed again');

select * from finish();
rollback;
