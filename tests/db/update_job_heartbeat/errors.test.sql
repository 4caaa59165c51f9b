-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(4);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000106', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds');
create temp table before_rows as select * from public.job_queue;

select throws_ok($$select public.update_job_heartbeat(null, 'w1')$$, '22023',
  'update_job_heartbeat: p_job_id must not be null', 'null job id');
select throws_ok($$select public.update_job_heartbeat('00000000-0000-4000-8000-000000000106', '')$$, '22023',
  'update_job_heartbeat: p_worker_id must not be empty', 'empty worker id');
select throws_ok($$select public.update_job_heartbeat('00000000-0000-4000-8000-000000000106', null)$$, '22023',
  'update_job_heartbeat: p_worker_id must not be empty', 'null worker id');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
