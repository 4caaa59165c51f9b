-- False, and nothing written, unless the caller holds a live lease on the job.
begin;
select plan(8);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, completed_at) values
  ('00000000-0000-4000-8000-000000000102', 'report_generation', 'standard', 'held', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds', null),
  ('00000000-0000-4000-8000-000000000103', 'report_generation', 'standard', 'expired', '{"k": 1}', 'processing', 'w1', now() - interval '181 seconds', null),
  ('00000000-0000-4000-8000-000000000104', 'report_generation', 'standard', 'done', '{"k": 1}', 'completed', 'w1', null, now()),
  ('00000000-0000-4000-8000-000000000105', 'report_generation', 'standard', 'pending', '{"k": 1}', 'pending', null, null, null);
create temp table before_rows as select * from public.job_queue;

select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-000000000102', 'w2'), 'another worker: false');
select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-000000000103', 'w1'),
  'the holder after its lease expired (not yet swept): false, the lease is not revived');
select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-000000000104', 'w1'), 'a completed job (last holder w1): false');
select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-000000000105', 'w1'), 'a pending job: false');
select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-0000000001ff', 'w1'), 'an unknown job: false');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

-- the boundary: exactly timeout old is still held
update public.job_queue set heartbeat_at = now() - interval '180 seconds' where id = '00000000-0000-4000-8000-000000000102';
select ok(public.update_job_heartbeat('00000000-0000-4000-8000-000000000102', 'w1'), 'last beat exactly 180 s ago: still held');
update public.system_configuration set config_value = '30' where config_key = 'worker.timeout_seconds';
update public.job_queue set heartbeat_at = now() - interval '31 seconds' where id = '00000000-0000-4000-8000-000000000102';
select ok(not public.update_job_heartbeat('00000000-0000-4000-8000-000000000102', 'w1'),
  'the lease length comes from worker.timeout_seconds (30 s: 31 s old is expired)');

select * from finish();
rollback;
