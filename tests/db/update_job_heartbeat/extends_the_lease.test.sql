-- The holder's beat moves heartbeat_at to now(), extending the lease.
begin;
select plan(4);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at, updated_at)
values ('00000000-0000-4000-8000-000000000101', 'report_generation', 'standard', 'a', '{"k": 1}',
        'processing', 'w1', now() - interval '170 seconds', now() - interval '5 minutes', now() - interval '170 seconds');

select ok(public.update_job_heartbeat('00000000-0000-4000-8000-000000000101', 'w1'), 'the holder''s beat is accepted');
select is(q.heartbeat_at, now(), 'heartbeat_at = now() (the last beat)') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000101';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000101';
select ok(q.status = 'processing' and q.worker_id = 'w1', 'still processing, same holder')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000101';

select * from finish();
rollback;
