-- Out of order, refused and nothing written: before the inspection, beyond the page count,
-- a page not through pass 1 yet, a page before the previous one.
begin;
select plan(6);

select tests.create_user_with_profile('rpx_order_alice') as alice \gset
select job_id as fresh_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 2, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[]', 'm')$$, :'fresh_job'), '55000',
  'record_page_extractions: the document has not been inspected yet', 'before the inspection');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 4, '[]', 'm')$$, :'job_id'), '22023',
  'record_page_extractions: p_page_number must be between 1 and the page count (3)', 'beyond the page count');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 3, '[]', 'm')$$, :'job_id'), '55000',
  'record_page_extractions: page 3 has not been through pass 1 yet', 'a page not through pass 1');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 2, '[{"category": "other", "label": "x"}]', 'm', 300)$$, :'job_id'), '55000',
  'record_page_extractions: pages are recorded in order; the next page is 1', 'page 2 before page 1');
select is((select count(*)::integer from public.clinical_extractions where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no tokens, no beat, no audit');

select * from finish();
rollback;
