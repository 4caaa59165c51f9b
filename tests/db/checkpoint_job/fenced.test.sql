-- Fencing: a caller that does not hold a live lease gets false and writes nothing
-- (a refusal, not an error: the worker stops and leaves the job to its owner).
begin;
select plan(6);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, completed_at) values
  ('00000000-0000-4000-8000-000000000202', 'report_generation', 'standard', 'held', '{"k": 1}', '{"page": 1}', 'processing', 'w1', now() - interval '60 seconds', null),
  ('00000000-0000-4000-8000-000000000203', 'report_generation', 'standard', 'expired', '{"k": 1}', '{"page": 1}', 'processing', 'w1', now() - interval '181 seconds', null),
  ('00000000-0000-4000-8000-000000000204', 'report_generation', 'standard', 'done', '{"k": 1}', '{"page": 9}', 'completed', 'w1', null, now()),
  ('00000000-0000-4000-8000-000000000205', 'report_generation', 'standard', 'cancelled', '{"k": 1}', null, 'cancelled', 'w1', null, null);
create temp table before_rows as select * from public.job_queue;

select ok(not public.checkpoint_job('00000000-0000-4000-8000-000000000202', 'w2', '{"page": 2}'), 'another worker: false');
select ok(not public.checkpoint_job('00000000-0000-4000-8000-000000000203', 'w1', '{"page": 2}'), 'the holder after its lease expired: false');
select ok(not public.checkpoint_job('00000000-0000-4000-8000-000000000204', 'w1', '{"page": 2}'), 'a completed job: false');
select ok(not public.checkpoint_job('00000000-0000-4000-8000-000000000205', 'w1', '{"page": 2}'), 'a cancelled job: false');
select ok(not public.checkpoint_job('00000000-0000-4000-8000-0000000002ff', 'w1', '{"page": 2}'), 'an unknown job: false');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'no progress and no beat written');

select * from finish();
rollback;
