-- Fencing: only the holder of a live lease reschedules; completed, failed and
-- cancelled jobs are never reopened. Null, and nothing written.
begin;
select plan(8);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, completed_at, dead_letter_at) values
  ('00000000-0000-4000-8000-000000000403', 'report_generation', 'standard', 'completed', '{"k": 1}', 'completed', 'w1', null, now(), null),
  ('00000000-0000-4000-8000-000000000404', 'report_generation', 'standard', 'failed', '{"k": 1}', 'failed', 'w1', null, null, now()),
  ('00000000-0000-4000-8000-000000000405', 'report_generation', 'standard', 'cancelled', '{"k": 1}', 'cancelled', 'w1', null, null, null),
  ('00000000-0000-4000-8000-000000000406', 'report_generation', 'standard', 'pending', '{"k": 1}', 'pending', null, null, null, null),
  ('00000000-0000-4000-8000-000000000407', 'report_generation', 'standard', 'held', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds', null, null),
  ('00000000-0000-4000-8000-000000000408', 'report_generation', 'standard', 'expired', '{"k": 1}', 'processing', 'w1', now() - interval '181 seconds', null, null);
create temp table before_rows as select * from public.job_queue;

select is(public.reschedule_job('00000000-0000-4000-8000-000000000403', 'w1', 5, 'r'), null, 'a completed job is not reopened');
select is(public.reschedule_job('00000000-0000-4000-8000-000000000404', 'w1', 5, 'r'), null, 'a failed job is not reopened');
select is(public.reschedule_job('00000000-0000-4000-8000-000000000405', 'w1', 5, 'r'), null, 'a cancelled job is not reopened');
select is(public.reschedule_job('00000000-0000-4000-8000-000000000406', 'w1', 5, 'r'), null, 'a pending job: null');
select is(public.reschedule_job('00000000-0000-4000-8000-000000000407', 'w2', 5, 'r'), null, 'another worker: null');
select is(public.reschedule_job('00000000-0000-4000-8000-000000000408', 'w1', 5, 'r'), null, 'the holder after its lease expired: null');
select is(public.reschedule_job('00000000-0000-4000-8000-0000000004ff', 'w1', 5, 'r'), null, 'an unknown job: null');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
