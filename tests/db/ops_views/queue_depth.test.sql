-- ops.queue_depth: one row per lane (empty lanes too); pending, claimable-now and
-- processing counts; the oldest pending job's age and the longest wait past a
-- scheduled time. Finished jobs (completed, failed, cancelled) are not counted.
begin;
select plan(8);

insert into public.job_lanes (job_type, job_lane, is_default, description)
values ('ops_qd_test', 'busy', true, 'test'), ('ops_qd_test', 'idle', false, 'test');

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, created_at, scheduled_at, worker_id, heartbeat_at, dead_letter_at)
values
  -- pending, claimable since an hour ago, created two hours ago (the oldest)
  ('ops_qd_test', 'busy', 'old', '{}', 'pending', now() - interval '2 hours', now() - interval '1 hour', null, null, null),
  -- pending, claimable since 5 minutes ago
  ('ops_qd_test', 'busy', 'ready', '{}', 'pending', now() - interval '10 minutes', now() - interval '5 minutes', null, null, null),
  -- pending, but backed off into the future (not claimable yet)
  ('ops_qd_test', 'busy', 'later', '{}', 'pending', now() - interval '30 minutes', now() + interval '5 minutes', null, null, null),
  ('ops_qd_test', 'busy', 'running', '{}', 'processing', now() - interval '3 hours', now() - interval '3 hours', 'w1', now(), null),
  ('ops_qd_test', 'busy', 'done', '{}', 'completed', now() - interval '9 hours', now() - interval '9 hours', null, null, null),
  ('ops_qd_test', 'busy', 'dead', '{}', 'failed', now() - interval '9 hours', now() - interval '9 hours', null, null, now()),
  ('ops_qd_test', 'busy', 'stopped', '{}', 'cancelled', now() - interval '9 hours', now() - interval '9 hours', null, null, null);

select results_eq(
  $$select pending, pending_ready, processing from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'$$,
  $$values (3::bigint, 2::bigint, 1::bigint)$$,
  'busy lane: 3 pending (2 claimable now), 1 processing; finished jobs not counted');
select is((select oldest_pending_created_at from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'),
  now() - interval '2 hours', 'the oldest pending job''s created_at');
select is((select oldest_pending_age from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'),
  interval '2 hours', 'its age');
select is((select oldest_ready_wait from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'),
  interval '1 hour', 'the longest wait past a scheduled time');
select results_eq(
  $$select pending, pending_ready, processing, oldest_pending_created_at, oldest_pending_age, oldest_ready_wait
      from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'idle'$$,
  $$values (0::bigint, 0::bigint, 0::bigint, null::timestamptz, null::interval, null::interval)$$,
  'an empty lane is listed with zeros');
select is((select count(*) from ops.queue_depth), (select count(*) from public.job_lanes),
  'one row per lane in job_lanes');

-- The processing job finishes; a pending one is claimed.
update public.job_queue set status = 'completed', worker_id = null, heartbeat_at = null where job_name = 'running' and job_type = 'ops_qd_test';
update public.job_queue set status = 'processing', worker_id = 'w2', heartbeat_at = now() where job_name = 'old' and job_type = 'ops_qd_test';
select results_eq(
  $$select pending, pending_ready, processing from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'$$,
  $$values (2::bigint, 1::bigint, 1::bigint)$$,
  'counts follow the jobs');
select is((select oldest_pending_age from ops.queue_depth where job_type = 'ops_qd_test' and job_lane = 'busy'),
  interval '30 minutes', 'the oldest pending job is now the 30-minute-old one');

select * from finish();
rollback;
