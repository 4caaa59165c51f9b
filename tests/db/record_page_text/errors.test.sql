-- Bad arguments: 22023 with the exact message, and nothing written.
begin;
select plan(12);

select tests.create_user_with_profile('rpt_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 0, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_page_text(%L, 'w1', 0, 'ocr', 't', null, null)$$, :'job_id'), '22023',
  'record_page_text: p_page_number must be a positive integer', 'page 0');
select throws_ok(format($$select public.record_page_text(%L, 'w1', null, 'ocr', 't', null, null)$$, :'job_id'), '22023',
  'record_page_text: p_page_number must be a positive integer', 'null page');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'scan', 't', null, null)$$, :'job_id'), '22023',
  'record_page_text: p_text_source must be one of pdf_text_layer, ocr', 'unknown source');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', null, null, null)$$, :'job_id'), '22023',
  'record_page_text: p_page_text must not be null (an empty page is '''')', 'null text');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', 1.5, null)$$, :'job_id'), '22023',
  'record_page_text: p_confidence must be between 0 and 1', 'confidence above 1');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', -0.1, null)$$, :'job_id'), '22023',
  'record_page_text: p_confidence must be between 0 and 1', 'negative confidence');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null, -1)$$, :'job_id'), '22023',
  'record_page_text: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null, null)$$, :'job_id'), '22023',
  'record_page_text: p_tokens_used must be a non-negative integer', 'null tokens');
select throws_ok($$select public.record_page_text(null, 'w1', 1, 'ocr', 't', null, null)$$, '22023',
  'record_page_text: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.record_page_text(%L, '', 1, 'ocr', 't', null, null)$$, :'job_id'), '22023',
  'record_page_text: p_worker_id must not be empty', 'empty worker id');
select is((select count(*)::integer from public.shell_file_pages where shell_file_id = :'shell_file_id'), 0, 'no page row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');

select * from finish();
rollback;
