-- An expired lease with no retries left: failed + dead_letter_at with the reason, audited.
begin;
select plan(8);

delete from public.job_queue;
select tests.create_user_with_profile('reclaim_dl_patient') as patient \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, retry_count, max_retries, patient_id) values
  ('00000000-0000-4000-8000-000000000802', 'report_generation', 'standard', 'last', '{"k": 1}', 'processing', 'w-dead', now() - interval '1 hour', 2, 2, :'patient'),
  ('00000000-0000-4000-8000-000000000803', 'report_generation', 'standard', 'none', '{"k": 1}', 'processing', 'w-dead2', now() - interval '1 hour', 0, 0, null);
select count(*) as audit_before from public.audit_log \gset

select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (0, 2)', 'two dead-lettered');
select ok(q.status = 'failed' and q.dead_letter_at = now(), 'failed, in the dead-letter queue')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000802';
select is(q.error_details ->> 'dead_letter_reason', 'lease_expired_max_retries', 'with the reason')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000802';
select ok(q.error_details -> 'attempts' -> 0 @> '{"event": "lease_expired", "worker_id": "w-dead", "outcome": "dead_lettered", "retry_count": 3}'::jsonb,
  'and the lost lease in the history') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000802';
select ok(q.heartbeat_at is null and q.worker_id = 'w-dead', 'lease cleared, last holder kept')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000802';
select is(q.status, 'failed', 'max_retries 0: dead-lettered on the first lost lease')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000803';
select is((select count(*) from public.audit_log) - :audit_before, 2::bigint, 'each dead-lettering audited');
select ok(exists (select 1 from public.audit_log a where a.job_id = '00000000-0000-4000-8000-000000000802' and a.patient_id = :'patient'
                     and a.new_values ->> 'dead_letter_reason' = 'lease_expired_max_retries'),
  'with job, patient and reason');

select * from finish();
rollback;
