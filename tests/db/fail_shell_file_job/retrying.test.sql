-- Retryable with retries left: the job goes back to pending (fail_job's backoff); the shell
-- file keeps its status ('processing') and gets no error; no shell_files audit event.
begin;
select plan(5);

select tests.create_user_with_profile('fsf_retry_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 1, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create temp table file_before as select * from public.shell_files where id = :'shell_file_id';

select is(public.fail_shell_file_job(:'job_id', 'w1', '{"code": "provider_error", "message": "502 from OCR"}', true), 'retrying', 'retrying');
select results_eq(format($$select status, retry_count, worker_id from public.job_queue where id = %L$$, :'job_id'),
  $$values ('pending'::text, 1, null::text)$$, 'the job is pending again, one retry counted');
select set_eq(format('select * from public.shell_files where id = %L', :'shell_file_id'), 'select * from file_before',
  'the shell file is unchanged');
select is((select status from public.shell_files where id = :'shell_file_id'), 'processing', 'it stays processing');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id' and table_name = 'shell_files'), 0,
  'no shell_files audit event');

select * from finish();
rollback;
