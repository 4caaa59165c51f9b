-- The backoff jitter is random and within its bound for every job.
begin;
select plan(2);

delete from public.job_queue;  -- this test's queue starts empty (rolled back)

update public.system_configuration set config_value = '20' where config_key = 'queue.retry_base_delay_seconds';
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
select 'report_generation', 'standard', 'j' || g, '{"k": 1}', 'processing', 'w-' || g, now() from generate_series(1, 20) g;
select public.fail_job(q.id, q.worker_id, '{"m": 1}') from public.job_queue q;

select is((select count(*)::integer from public.job_queue
            where scheduled_at between now() + interval '20 seconds' and now() + interval '30 seconds'), 20,
  'retry 0 with base 20 s: every job due in [20 s, 30 s]');
select ok((select count(distinct scheduled_at) > 1 from public.job_queue), 'jitter applied (not all at the same instant)');

select * from finish();
rollback;
