-- At most queue.sweep_batch_size rows per call, oldest beat first.
begin;
select plan(5);

delete from public.job_queue;
update public.system_configuration set config_value = '3' where config_key = 'queue.sweep_batch_size';
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
select 'report_generation', 'standard', 'j' || g, '{"k": 1}', 'processing', 'w' || g, now() - interval '1 hour' - g * interval '1 minute'
  from generate_series(1, 5) g;

select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (3, 0)', 'first sweep: 3');
select set_eq($$select job_name from public.job_queue where status = 'pending'$$, $$values ('j5'), ('j4'), ('j3')$$,
  'the three oldest beats first');
select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (2, 0)', 'second sweep: the rest');
select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (0, 0)', 'third sweep: nothing');
select is((select count(*)::integer from public.job_queue where status = 'pending'), 5, 'all reclaimed');

select * from finish();
rollback;
