-- The narrative comes after pass 2 of every page; before that (or before the inspection)
-- it is refused with 55000 and nothing is written.
begin;
select plan(4);

select tests.create_user_with_profile('rn_order_alice') as alice \gset
select job_id as fresh_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 3, "pass2_done": 2, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', 'n', 'm', 0)$$, :'fresh_job'), '55000',
  'record_narrative: the document has not been inspected yet', 'before the inspection');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', 'n', 'm', 0)$$, :'job_id'), '55000',
  'record_narrative: pass 2 is done for 2 of 3 pages', 'before pass 2 is done');
select is((select count(*)::integer from public.clinical_narratives where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');

select * from finish();
rollback;
