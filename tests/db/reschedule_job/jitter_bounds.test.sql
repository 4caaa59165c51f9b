-- With jitter: scheduled_at in [now() + delay, now() + delay + min(delay / 2, 30 s)].
begin;
select plan(6);

delete from public.job_queue;  -- this test's queue starts empty (rolled back)

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
select 'report_generation', 'standard', 'j' || g, '{"k": 1}', 'processing', 'w-' || g, now()
  from generate_series(1, 40) g;

create temp table short_delay as
  select public.reschedule_job(q.id, q.worker_id, 10, 'busy') as at
    from public.job_queue q where q.job_name in (select 'j' || g from generate_series(1, 20) g);
create temp table long_delay as
  select public.reschedule_job(q.id, q.worker_id, 100, 'busy') as at
    from public.job_queue q where q.job_name in (select 'j' || g from generate_series(21, 40) g);

select is((select count(*)::integer from short_delay where at between now() + interval '10 seconds' and now() + interval '15 seconds'), 20,
  'delay 10 s: every job within [10 s, 15 s] (jitter at most 50% of the delay)');
select ok((select count(distinct at) > 1 from short_delay), 'delay 10 s: jitter applied (not all at the same instant)');
select is((select count(*)::integer from long_delay where at between now() + interval '100 seconds' and now() + interval '130 seconds'), 20,
  'delay 100 s: every job within [100 s, 130 s] (jitter at most 30 s)');
select ok((select count(distinct at) > 1 from long_delay), 'delay 100 s: jitter applied');
select ok((select bool_and((q.error_details -> 'attempts' -> -1 ->> 'jitter_seconds')::numeric between 0 and 30) from public.job_queue q),
  'the jitter is recorded');

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000402', 'report_generation', 'standard', 'zero', '{"k": 1}', 'processing', 'w0', now());
select is(public.reschedule_job('00000000-0000-4000-8000-000000000402', 'w0', 0, 'now'), now(), 'delay 0: no jitter, due now');

select * from finish();
rollback;
