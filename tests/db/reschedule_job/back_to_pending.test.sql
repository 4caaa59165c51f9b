-- "No capacity now": back to pending after the delay, no retry counted, reason kept.
begin;
select plan(9);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, started_at, retry_count, updated_at)
values ('00000000-0000-4000-8000-000000000401', 'ai_processing', 'standard', 'a', '{"k": 1}', '{"page": 2}',
        'processing', 'w1', now() - interval '20 seconds', now() - interval '1 minute', 1, now() - interval '20 seconds');

select is(public.reschedule_job('00000000-0000-4000-8000-000000000401', 'w1', 60, 'api_rate_limit_backpressure', false),
  now() + interval '60 seconds', 'without jitter: exactly now() + delay, returned');
select is(q.scheduled_at, now() + interval '60 seconds', 'and stored') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select is(q.status, 'pending', 'pending again') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select ok(q.worker_id is null and q.heartbeat_at is null and q.started_at is null, 'lease released')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select is(q.retry_count, 1, 'no retry counted') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select is(q.job_result, '{"page": 2}'::jsonb, 'progress kept') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';
select is((q.error_details -> 'attempts' -> -1) - 'at',
  '{"event": "rescheduled", "worker_id": "w1", "reason": "api_rate_limit_backpressure", "delay_seconds": 60, "jitter_seconds": 0}'::jsonb,
  'the reason appended to error_details') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';

-- a second reschedule keeps the first in the history
update public.job_queue set status = 'processing', worker_id = 'w2', heartbeat_at = now() where id = '00000000-0000-4000-8000-000000000401';
select public.reschedule_job('00000000-0000-4000-8000-000000000401', 'w2', 0, 'second', false);
select is(jsonb_path_query_array(q.error_details, '$.attempts[*].reason'), '["api_rate_limit_backpressure", "second"]'::jsonb,
  'history appended, not overwritten') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000401';

select * from finish();
rollback;
