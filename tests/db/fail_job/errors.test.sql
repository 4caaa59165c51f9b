-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(7);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000508', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds');
create temp table before_rows as select * from public.job_queue;

select throws_ok($$select public.fail_job('00000000-0000-4000-8000-000000000508', 'w1', null)$$, '22023',
  'fail_job: p_error must be a JSON object', 'null error');
select throws_ok($$select public.fail_job('00000000-0000-4000-8000-000000000508', 'w1', '"boom"')$$, '22023',
  'fail_job: p_error must be a JSON object', 'a string error');
select throws_ok($$select public.fail_job('00000000-0000-4000-8000-000000000508', 'w1', '{"m": 1}', null)$$, '22023',
  'fail_job: p_retryable must not be null', 'null p_retryable');
select throws_ok($$select public.fail_job(null, 'w1', '{"m": 1}')$$, '22023',
  'fail_job: p_job_id must not be null', 'null job id');
select throws_ok($$select public.fail_job('00000000-0000-4000-8000-000000000508', '', '{"m": 1}')$$, '22023',
  'fail_job: p_worker_id must not be empty', 'empty worker id');
select throws_ok($$select public.fail_job('00000000-0000-4000-8000-000000000508', null, '{"m": 1}')$$, '22023',
  'fail_job: p_worker_id must not be empty', 'null worker id');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
