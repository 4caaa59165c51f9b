-- Raises 22023 named after the calling RPC (p_function), writing nothing.
begin;
select plan(10);

select tests.create_user_with_profile('rjs_err_alice') as alice \gset
select job_id from tests.create_processing_job(:'alice', 'w1') \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-00000000e002', 'report_generation', 'standard', 'not a document', '{"k": 1}', 'processing', 'w1', now());
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-00000000e003', 'shell_file_processing', 'standard', 'no file', '{"k": 1}', 'processing', 'w1', now());
create temp table jobs_before as select * from public.job_queue;

select throws_ok($$select private.record_job_step('some_rpc', null, 'w1', '{}')$$, '22023', 'some_rpc: p_job_id must not be null', 'null job id');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, '', '{}')$$, :'job_id'), '22023', 'some_rpc: p_worker_id must not be empty', 'empty worker');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, 'w1', '[]')$$, :'job_id'), '22023', 'some_rpc: progress must be a JSON object', 'array progress');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, 'w1', null)$$, :'job_id'), '22023', 'some_rpc: progress must be a JSON object', 'null progress');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, 'w1', '{"text_done": 1, "tokens_used": 5}')$$, :'job_id'), '22023',
  'some_rpc: progress must not carry tokens_used (record_job_step accumulates it)', 'progress setting tokens_used itself');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, 'w1', '{"text_done": 1}', -1)$$, :'job_id'), '22023',
  'some_rpc: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok(format($$select private.record_job_step('some_rpc', %L, 'w1', '{"text_done": 1}', null)$$, :'job_id'), '22023',
  'some_rpc: p_tokens_used must be a non-negative integer', 'null tokens');
select throws_ok($$select private.record_job_step('some_rpc', '00000000-0000-4000-8000-00000000e002', 'w1', '{}')$$, '22023',
  'some_rpc: job is not a shell_file_processing job with a shell file and a patient', 'another job type');
select throws_ok($$select private.record_job_step('some_rpc', '00000000-0000-4000-8000-00000000e003', 'w1', '{}')$$, '22023',
  'some_rpc: job is not a shell_file_processing job with a shell file and a patient', 'a shell job without a file');
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'nothing written');

select * from finish();
rollback;
