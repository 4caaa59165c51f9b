-- Out of order, refused and nothing written: before the inspection, beyond the page count,
-- a page without text yet, a page before the previous one.
begin;
select plan(6);

select tests.create_user_with_profile('rpe_order_alice') as alice \gset
select job_id as fresh_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 2, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, '[]', 'm', 0)$$, :'fresh_job'), '55000',
  'record_page_entities: the document has not been inspected yet', 'before the inspection');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 4, '[]', 'm', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_page_number must be between 1 and the page count (3)', 'beyond the page count');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 3, '[]', 'm', 0)$$, :'job_id'), '55000',
  'record_page_entities: page 3 has no text yet', 'a page without text');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 2, '[]', 'm', 0)$$, :'job_id'), '55000',
  'record_page_entities: pages are recorded in order; the next page is 1', 'page 2 before page 1');
select is((select count(*)::integer from public.page_entity_detections where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');

select * from finish();
rollback;
