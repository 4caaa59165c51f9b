-- Fencing: no lease, no completion, no audit event (the seeds audited anyway).
begin;
select plan(7);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at) values
  ('00000000-0000-4000-8000-000000000304', 'report_generation', 'standard', 'held', '{"k": 1}', '{"page": 1}', 'processing', 'w1', now() - interval '60 seconds'),
  ('00000000-0000-4000-8000-000000000305', 'report_generation', 'standard', 'expired', '{"k": 1}', null, 'processing', 'w1', now() - interval '181 seconds'),
  ('00000000-0000-4000-8000-000000000306', 'report_generation', 'standard', 'cancelled', '{"k": 1}', null, 'cancelled', 'w1', null),
  ('00000000-0000-4000-8000-000000000307', 'report_generation', 'standard', 'pending', '{"k": 1}', null, 'pending', null, null);
create temp table before_rows as select * from public.job_queue;
select count(*) as audit_before from public.audit_log \gset

select ok(not public.complete_job('00000000-0000-4000-8000-000000000304', 'w2', '{"x": 1}'), 'another worker: false');
select ok(not public.complete_job('00000000-0000-4000-8000-000000000305', 'w1', '{"x": 1}'), 'the holder after its lease expired: false');
select ok(not public.complete_job('00000000-0000-4000-8000-000000000306', 'w1', '{"x": 1}'), 'a cancelled job: false');
select ok(not public.complete_job('00000000-0000-4000-8000-000000000307', 'w1', '{"x": 1}'), 'a pending job: false');
select ok(not public.complete_job('00000000-0000-4000-8000-0000000003ff', 'w1', '{"x": 1}'), 'an unknown job: false');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event for a completion that did not happen');

select * from finish();
rollback;
