-- A job whose lease another worker still holds is never returned; once the lease
-- has expired, the claim's own sweep reclaims it and it can be claimed again.
begin;
select plan(9);

delete from public.job_queue;
update public.system_configuration set config_value = '0' where config_key = 'worker.reclaim_jitter_max_seconds';

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, started_at)
values ('00000000-0000-4000-8000-0000000000a4', 'report_generation', 'standard', 'held', '{"k": 1}', '{"page": 3}',
        'processing', 'w1', now() - interval '180 seconds', now() - interval '10 minutes');

select is_empty($$select * from public.claim_next_job_v3('w2')$$,
  'last beat exactly 180 s ago (lease still held): not offered to another worker');
select is(q.worker_id, 'w1', 'w1 still holds it') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a4';

update public.job_queue set heartbeat_at = now() - interval '181 seconds' where id = '00000000-0000-4000-8000-0000000000a4';
create temp table claimed as select * from public.claim_next_job_v3('w2');
select is((select job_id from claimed), '00000000-0000-4000-8000-0000000000a4'::uuid,
  'lease expired: reclaimed and claimed by w2 in the same call');
select is((select retry_count from claimed), 1, 'the lost attempt counts one retry');
select is((select job_result from claimed), '{"page": 3}'::jsonb, 'w1''s checkpoint is handed to w2');
select is(q.worker_id, 'w2', 'w2 holds it now') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a4';
select is(q.heartbeat_at, now(), 'with a fresh beat') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a4';
select is(q.error_details -> 'attempts' -> 0 ->> 'event', 'lease_expired', 'the lost lease is in the history')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a4';
select is(q.error_details -> 'attempts' -> 0 ->> 'worker_id', 'w1', 'naming the old worker')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a4';

select * from finish();
rollback;
