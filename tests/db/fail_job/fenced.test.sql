-- Fencing: null, and nothing written (no retry counted, no audit), without a live lease.
begin;
select plan(7);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, completed_at) values
  ('00000000-0000-4000-8000-000000000504', 'report_generation', 'standard', 'held', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds', null),
  ('00000000-0000-4000-8000-000000000505', 'report_generation', 'standard', 'expired', '{"k": 1}', 'processing', 'w1', now() - interval '181 seconds', null),
  ('00000000-0000-4000-8000-000000000506', 'report_generation', 'standard', 'done', '{"k": 1}', 'completed', 'w1', null, now()),
  ('00000000-0000-4000-8000-000000000507', 'report_generation', 'standard', 'pending', '{"k": 1}', 'pending', null, null, null);
create temp table before_rows as select * from public.job_queue;
select count(*) as audit_before from public.audit_log \gset

select is(public.fail_job('00000000-0000-4000-8000-000000000504', 'w2', '{"m": 1}'), null, 'another worker: null');
select is(public.fail_job('00000000-0000-4000-8000-000000000505', 'w1', '{"m": 1}', false), null, 'the holder after its lease expired: null');
select is(public.fail_job('00000000-0000-4000-8000-000000000506', 'w1', '{"m": 1}'), null, 'a completed job: null');
select is(public.fail_job('00000000-0000-4000-8000-000000000507', 'w1', '{"m": 1}'), null, 'a pending job: null');
select is(public.fail_job('00000000-0000-4000-8000-0000000005ff', 'w1', '{"m": 1}'), null, 'an unknown job: null');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event');

select * from finish();
rollback;
