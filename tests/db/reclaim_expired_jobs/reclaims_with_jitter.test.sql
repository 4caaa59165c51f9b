-- Expired leases go back to pending after a jitter in [0, worker.reclaim_jitter_max_seconds];
-- live leases are left alone.
begin;
select plan(11);

delete from public.job_queue;
update public.system_configuration set config_value = '10' where config_key = 'worker.reclaim_jitter_max_seconds';

insert into public.job_queue (job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, started_at, max_retries)
select 'report_generation', 'standard', 'expired-' || g, '{"k": 1}', '{"page": 1}', 'processing', 'old-' || g,
       now() - interval '181 seconds' - g * interval '1 second', now() - interval '10 minutes', 3
  from generate_series(1, 20) g;
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000801', 'report_generation', 'standard', 'live', '{"k": 1}', 'processing', 'w-live', now() - interval '180 seconds');
create temp table live_before as select * from public.job_queue where id = '00000000-0000-4000-8000-000000000801';

select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (20, 0)',
  'twenty expired leases reclaimed, none dead-lettered');

select is((select count(*)::integer from public.job_queue where job_name like 'expired-%' and status = 'pending'), 20, 'all pending');
select is((select count(*)::integer from public.job_queue where job_name like 'expired-%'
            and scheduled_at between now() and now() + interval '10 seconds'), 20,
  'each due within [now(), now() + 10 s]');
select ok((select count(distinct scheduled_at) > 1 from public.job_queue where job_name like 'expired-%'),
  'jitter applied (not all at the same instant)');
select is((select count(*)::integer from public.job_queue where job_name like 'expired-%'
            and worker_id is null and heartbeat_at is null and started_at is null), 20, 'worker and lease cleared');
select is((select count(*)::integer from public.job_queue where job_name like 'expired-%' and retry_count = 1), 20, 'one retry counted');
select is((select count(*)::integer from public.job_queue where job_name like 'expired-%' and job_result = '{"page": 1}'), 20,
  'checkpointed progress kept');
select is((select count(*)::integer from public.job_queue where job_name like 'expired-%' and updated_at = now()), 20, 'updated_at = now()');
select is((select count(*)::integer from public.job_queue q where q.job_name like 'expired-%'
            and q.error_details -> 'attempts' -> 0 @> jsonb_build_object('event', 'lease_expired', 'outcome', 'retrying',
                  'worker_id', 'old-' || substring(q.job_name from 9), 'retry_count', 1)), 20,
  'a lease_expired event naming each job''s old worker');

select set_eq('select * from public.job_queue where id = ''00000000-0000-4000-8000-000000000801''', 'select * from live_before',
  'a lease exactly at its end is untouched');
select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (0, 0)', 'a second sweep finds nothing');

select * from finish();
rollback;
