-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(6);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000308', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds');
create temp table before_rows as select * from public.job_queue;
select count(*) as audit_before from public.audit_log \gset

select throws_ok($$select public.complete_job('00000000-0000-4000-8000-000000000308', 'w1', '[1]')$$, '22023',
  'complete_job: p_job_result must be a JSON object or null', 'an array result');
select throws_ok($$select public.complete_job(null, 'w1')$$, '22023',
  'complete_job: p_job_id must not be null', 'null job id');
select throws_ok($$select public.complete_job('00000000-0000-4000-8000-000000000308', '')$$, '22023',
  'complete_job: p_worker_id must not be empty', 'empty worker id');
select throws_ok($$select public.complete_job('00000000-0000-4000-8000-000000000308', null)$$, '22023',
  'complete_job: p_worker_id must not be empty', 'null worker id');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event');

select * from finish();
rollback;
