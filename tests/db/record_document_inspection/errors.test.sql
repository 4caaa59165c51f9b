-- Bad arguments: 22023 with the exact message, and nothing written.
begin;
select plan(12);

select tests.create_user_with_profile('rdi_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-00000000e001', 'report_generation', 'standard', 'not a document', '{"k": 1}', 'processing', 'w1', now());
create temp table jobs_before as select * from public.job_queue;
create temp table files_before as select * from public.shell_files;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format('select public.record_document_inspection(%L, %L, 0, null)', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_page_count must be between 1 and 100000', 'zero pages');
select throws_ok(format('select public.record_document_inspection(%L, %L, 100001, null)', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_page_count must be between 1 and 100000', 'too many pages');
select throws_ok(format('select public.record_document_inspection(%L, %L, null, null)', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_page_count must be between 1 and 100000', 'null page count');
select throws_ok(format('select public.record_document_inspection(%L, %L, 2, array[3])', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_ocr_pages must hold distinct page numbers between 1 and p_page_count', 'an OCR page beyond the count');
select throws_ok(format('select public.record_document_inspection(%L, %L, 2, array[0])', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_ocr_pages must hold distinct page numbers between 1 and p_page_count', 'page 0');
select throws_ok(format('select public.record_document_inspection(%L, %L, 2, array[1, 1])', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_ocr_pages must hold distinct page numbers between 1 and p_page_count', 'a page twice');
select throws_ok(format('select public.record_document_inspection(%L, %L, 2, array[1, null])', :'job_id', 'w1'), '22023',
  'record_document_inspection: p_ocr_pages must hold distinct page numbers between 1 and p_page_count', 'a null page');
select throws_ok(format('select public.record_document_inspection(null, %L, 2, null)', 'w1'), '22023',
  'record_document_inspection: p_job_id must not be null', 'null job id');
select throws_ok(format('select public.record_document_inspection(%L, %L, 2, null)', :'job_id', ' '), '22023',
  'record_document_inspection: p_worker_id must not be empty', 'blank worker id');
select throws_ok($$select public.record_document_inspection('00000000-0000-4000-8000-00000000e001', 'w1', 2, null)$$, '22023',
  'record_document_inspection: job is not a shell_file_processing job with a shell file and a patient', 'a job of another type');

select ok((select count(*) = (select count(*) from jobs_before) from public.job_queue)
          and not exists (select * from public.job_queue except select * from jobs_before), 'job_queue unchanged');
select ok(not exists (select * from public.shell_files except select * from files_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'shell_files and audit_log unchanged');

select * from finish();
rollback;
