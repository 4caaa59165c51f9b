-- Steps out of order are refused and write nothing, not even their tokens: before the
-- inspection (55000), a page beyond the page count (22023), a page before the previous one
-- is done (55000).
begin;
select plan(5);

select tests.create_user_with_profile('rpt_order_alice') as alice \gset
select job_id as fresh_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 1, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null, 900)$$, :'fresh_job'), '55000',
  'record_page_text: the document has not been inspected yet', 'before the inspection');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 4, 'ocr', 't', null, null, 900)$$, :'job_id'), '22023',
  'record_page_text: p_page_number must be between 1 and the page count (3)', 'a page beyond the count');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 3, 'ocr', 't', null, null, 900)$$, :'job_id'), '55000',
  'record_page_text: pages are recorded in order; the next page is 2', 'page 3 before page 2');
select is((select count(*)::integer from public.shell_file_pages where shell_file_id = :'shell_file_id'), 0, 'no page row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no tokens, no beat, no audit');

select * from finish();
rollback;
