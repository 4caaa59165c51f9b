-- Only a dead-lettered job is reopened; others: false and nothing written; unknown: P0002.
begin;
select plan(7);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, completed_at) values
  ('00000000-0000-4000-8000-000000000602', 'report_generation', 'standard', 'pending', '{"k": 1}', 'pending', null, null, null),
  ('00000000-0000-4000-8000-000000000603', 'report_generation', 'standard', 'processing', '{"k": 1}', 'processing', 'w1', now(), null),
  ('00000000-0000-4000-8000-000000000604', 'report_generation', 'standard', 'completed', '{"k": 1}', 'completed', 'w1', null, now()),
  ('00000000-0000-4000-8000-000000000605', 'report_generation', 'standard', 'cancelled', '{"k": 1}', 'cancelled', null, null, null);
create temp table before_rows as select * from public.job_queue;
select count(*) as audit_before from public.audit_log \gset

select ok(not public.retry_dead_letter('00000000-0000-4000-8000-000000000602', 'r'), 'a pending job: false');
select ok(not public.retry_dead_letter('00000000-0000-4000-8000-000000000603', 'r'), 'a processing job: false');
select ok(not public.retry_dead_letter('00000000-0000-4000-8000-000000000604', 'r'), 'a completed job: false');
select ok(not public.retry_dead_letter('00000000-0000-4000-8000-000000000605', 'r'), 'a cancelled job: false');
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-0000000006ff', 'r')$$, 'P0002',
  'retry_dead_letter: job 00000000-0000-4000-8000-0000000006ff not found', 'an unknown job: P0002');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event');

select * from finish();
rollback;
