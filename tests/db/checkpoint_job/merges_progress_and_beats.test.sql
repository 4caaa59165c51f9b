-- A checkpoint merges the step's progress into job_result and extends the lease.
begin;
select plan(8);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, updated_at)
values ('00000000-0000-4000-8000-000000000201', 'shell_file_processing', 'standard', 'doc', '{"k": 1}',
        'processing', 'w1', now() - interval '100 seconds', now() - interval '100 seconds');

select ok(public.checkpoint_job('00000000-0000-4000-8000-000000000201', 'w1', '{"pages_done": [1], "step": "ocr"}'),
  'first checkpoint accepted');
select is(q.job_result, '{"pages_done": [1], "step": "ocr"}'::jsonb, 'job_result starts from the first progress')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';
select is(q.heartbeat_at, now(), 'and the lease is extended') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';

update public.job_queue set heartbeat_at = now() - interval '90 seconds' where id = '00000000-0000-4000-8000-000000000201';
select ok(public.checkpoint_job('00000000-0000-4000-8000-000000000201', 'w1', '{"pages_done": [1, 2], "pass1": {"entities": 3}}'),
  'second checkpoint accepted');
select is(q.job_result, '{"pages_done": [1, 2], "step": "ocr", "pass1": {"entities": 3}}'::jsonb,
  'merged by top-level key: new keys added, repeated keys replaced, others kept')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';
select is(q.heartbeat_at, now(), 'beat again') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';
select ok(q.status = 'processing' and q.worker_id = 'w1', 'still processing, same holder')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000201';

select * from finish();
rollback;
