-- fail_shell_file_job's own dead-lettering is as it was before the trigger: the specific
-- message of its catalogue, and exactly ONE shell file audit event (its own). fail_job writes
-- the same job columns as the sweeper (failed, dead_letter_at, dead_letter_reason), with the
-- reasons not_retryable / max_retries_exhausted, which the trigger leaves to fail_shell_file_job.
-- A retrying failure leaves the file as it is.
begin;
select plan(9);

select tests.create_user_with_profile('sfj_fsf_alice') as alice \gset

-- Not retryable.
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 2, "text_done": 1}') \gset
select is(public.fail_shell_file_job(:'job_id', 'w1', '{"code": "corrupt_document", "message": "xref broken"}', false),
  'dead_lettered', 'not retryable: dead_lettered');
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('failed'::text, '{"code": "corrupt_document", "message": "The document could not be read. It may be damaged, or not a valid PDF or image."}'::jsonb)$$,
  'the catalogue''s specific message, not the generic one');
select results_eq(
  format($$select compliance_category, patient_id, job_id, old_values, new_values, reason
             from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'shell_file_id'),
  format($$values ('clinical'::text, %L::uuid, %L::uuid, null::jsonb,
                   '{"status": "failed", "error_code": "corrupt_document", "retryable": false}'::jsonb,
                   'document processing failed'::text)$$, :'alice', :'job_id'),
  'exactly one shell file event: fail_shell_file_job''s own');
select results_eq(
  format($$select table_name from public.audit_log where job_id = %L order by table_name$$, :'job_id'),
  $$values ('job_queue'::text), ('shell_files'::text)$$,
  'the job''s audit: fail_job''s dead-lettering and fail_shell_file_job''s event, nothing more');

-- Retryable, out of retries (max_retries_exhausted).
select job_id as j2, shell_file_id as f2 from tests.create_processing_job(:'alice', 'w2', '{"page_count": 1}') \gset
update public.job_queue set retry_count = max_retries where id = :'j2';
select is(public.fail_shell_file_job(:'j2', 'w2', '{"code": "file_not_found"}', true), 'dead_lettered', 'out of retries: dead_lettered');
select results_eq(
  format($$select status, processing_error ->> 'code', processing_error ->> 'message' from public.shell_files where id = %L$$, :'f2'),
  $$values ('failed'::text, 'file_not_found'::text, 'The uploaded file could not be found. Upload it again.'::text)$$,
  'its specific message');
select is((select count(*)::integer from public.audit_log where table_name = 'shell_files' and record_id = :'f2'), 1,
  'exactly one shell file event');

-- Retrying: the file keeps its status, nothing is audited for it.
select job_id as j3, shell_file_id as f3 from tests.create_processing_job(:'alice', 'w3', '{"page_count": 1}') \gset
create temp table file_before as select * from public.shell_files where id = :'f3';
select is(public.fail_shell_file_job(:'j3', 'w3', '{"code": "provider_unavailable"}', true), 'retrying', 'retryable: retrying');
select ok((select count(*) from public.audit_log where table_name = 'shell_files' and record_id = :'f3') = 0
          and (select f = b from public.shell_files f, file_before b where f.id = :'f3'),
  'the file is unchanged and unaudited');

select * from finish();
rollback;
