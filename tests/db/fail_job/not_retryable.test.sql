-- p_retryable = false dead-letters at once, retries left or not.
begin;
select plan(4);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, max_retries)
values ('00000000-0000-4000-8000-000000000503', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now(), 5);

select is(public.fail_job('00000000-0000-4000-8000-000000000503', 'w1', '{"m": "corrupt file"}', false), 'dead_lettered',
  'not retryable: dead_lettered');
select ok(q.status = 'failed' and q.dead_letter_at = now(), 'in the dead-letter queue') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000503';
select is(q.error_details ->> 'dead_letter_reason', 'not_retryable', 'reason not_retryable') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000503';
select is(q.error_details -> 'attempts' -> 0 -> 'retryable', 'false'::jsonb, 'the attempt says so') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000503';

select * from finish();
rollback;
