-- A retryable failure with retries left: pending again at
-- now() + min(base * 2^retry_count, max) + jitter in [0, min(delay / 2, 30 s)].
begin;
select plan(13);

update public.system_configuration set config_value = '10' where config_key = 'queue.retry_base_delay_seconds';
update public.system_configuration set config_value = '900' where config_key = 'queue.retry_max_delay_seconds';

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, started_at, retry_count, max_retries)
values ('00000000-0000-4000-8000-000000000501', 'ai_processing', 'standard', 'a', '{"k": 1}', '{"page": 2}',
        'processing', 'w1', now() - interval '10 seconds', now() - interval '1 minute', 0, 10);

select is(public.fail_job('00000000-0000-4000-8000-000000000501', 'w1', '{"message": "timeout from provider"}'), 'retrying',
  'first failure: retrying');
select ok(q.scheduled_at between now() + interval '10 seconds' and now() + interval '15 seconds',
  'retry 0: due in [10 s, 15 s]') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select ok(q.status = 'pending' and q.worker_id is null and q.heartbeat_at is null and q.started_at is null,
  'pending, lease released') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select is(q.retry_count, 1, 'retry_count + 1') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select is(q.job_result, '{"page": 2}'::jsonb, 'progress kept for the next attempt') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select ok(q.error_details -> 'attempts' -> 0 @> '{"event": "failed", "worker_id": "w1", "error": {"message": "timeout from provider"}, "retryable": true, "retry_count": 1, "outcome": "retrying", "delay_seconds": 10}'::jsonb,
  'the error is in the history') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select ok(not (q.error_details ? 'dead_letter_reason'), 'no dead-letter reason') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';

-- fourth failure (3 retries so far): 10 * 2^3 = 80 s
update public.job_queue set status = 'processing', worker_id = 'w2', heartbeat_at = now(), retry_count = 3
 where id = '00000000-0000-4000-8000-000000000501';
select is(public.fail_job('00000000-0000-4000-8000-000000000501', 'w2', '{"message": "again"}'), 'retrying', 'a later failure: retrying');
select ok(q.scheduled_at between now() + interval '80 seconds' and now() + interval '110 seconds',
  'retry 3: due in [80 s, 110 s] (jitter at most 30 s)') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';
select is(jsonb_array_length(q.error_details -> 'attempts'), 2, 'the history keeps both failures')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';

-- capped: 10 * 2^7 = 1280 s > 900 s
update public.job_queue set status = 'processing', worker_id = 'w3', heartbeat_at = now(), retry_count = 7
 where id = '00000000-0000-4000-8000-000000000501';
select is(public.fail_job('00000000-0000-4000-8000-000000000501', 'w3', '{"message": "again"}'), 'retrying', 'a late failure: retrying');
select ok(q.scheduled_at between now() + interval '900 seconds' and now() + interval '930 seconds',
  'retry 7: capped at queue.retry_max_delay_seconds, due in [900 s, 930 s]') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000501';

select * from finish();
rollback;
