-- The inspection sets the page count (shell file processing) and the progress, beats, and
-- is audited once. A second inspection is a no-op: the first stands, progress unchanged,
-- no second audit event.
begin;
select plan(13);

select tests.create_user_with_profile('rdi_once_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';

select is(public.record_document_inspection(:'job_id', 'w1', 3, array[3, 1]), true, 'recorded');
select results_eq(
  format($$select page_count, status, processing_started_at, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values (3, 'processing'::text, now(), null::jsonb)$$,
  'the shell file: page count, processing, started now');
select is((select job_result from public.job_queue where id = :'job_id'),
  '{"page_count": 3, "ocr_pages": [1, 3], "text_done": 0, "pass1_done": 0, "pass2_done": 0, "narrative_done": false, "tokens_used": 0}'::jsonb,
  'progress: page_count, ocr_pages (sorted), every counter at 0, no tokens yet');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'the lease was extended');
select results_eq(
  format($$select table_name, record_id, operation, compliance_category, patient_id, new_values
             from public.audit_log where job_id = %L$$, :'job_id'),
  format($$values ('shell_files'::text, %L::text, 'UPDATE'::text, 'clinical'::text, %L::uuid,
                   '{"status": "processing", "page_count": 3, "ocr_pages": 2}'::jsonb)$$, :'shell_file_id', :'alice'),
  'one clinical audit event with patient and job');

-- SECOND TIME: a different answer does not replace the first.
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';
create temp table progress_before as select job_result from public.job_queue where id = :'job_id';
select is(public.record_document_inspection(:'job_id', 'w1', 5, array[2]), true, 'the second call answers true');
select is((select page_count from public.shell_files where id = :'shell_file_id'), 3, 'the page count stays the first one');
select is((select job_result from public.job_queue where id = :'job_id'), (select job_result from progress_before),
  'progress unchanged');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no second audit event');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'but the lease was extended again');

-- No OCR pages: null and an empty array both mean none.
select job_id as job2 from tests.create_processing_job(:'alice', 'w1') \gset
select is(public.record_document_inspection(:'job2', 'w1', 1, null), true, 'null p_ocr_pages accepted');
select is((select job_result -> 'ocr_pages' from public.job_queue where id = :'job2'), '[]'::jsonb, 'recorded as []');
select is((select status from public.job_queue where id = :'job_id'), 'processing', 'the job stays processing, same holder');

select * from finish();
rollback;
