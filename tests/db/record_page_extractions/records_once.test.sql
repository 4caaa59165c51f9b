-- AI pass 2 of a page: one clinical_extractions row per item, item_index = its position
-- (0-based), pass2_done advanced, the lease extended, one clinical audit event listing the
-- new ids. The same page again is a no-op: no new row (not even for extra items), progress
-- unchanged, no second audit event. A page without items writes no row and no audit.
begin;
select plan(12);

select tests.create_user_with_profile('rpx_once_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 2, "pass1_done": 2, "pass2_done": 0, "narrative_done": false}') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';

select is(public.record_page_extractions(:'job_id', 'w1', 1, $$[
    {"category": "condition", "label": " Asthma ", "details": {"status": "active"}, "confidence": 0.9},
    {"category": "medication", "label": "Salbutamol 100 mcg", "details": {}, "confidence": 0.75},
    {"category": "observation", "label": "Hb 13.2 g/dL"}
  ]$$, 'gpt-4o-mini'), true, 'page 1 recorded');
select results_eq(
  format($$select item_index, category, label, details, confidence, patient_id, job_id, page_number, model
             from public.clinical_extractions where shell_file_id = %L order by item_index$$, :'shell_file_id'),
  format($$values (0, 'condition'::text, 'Asthma'::text, '{"status": "active"}'::jsonb, 0.9::numeric, %1$L::uuid, %2$L::uuid, 1, 'gpt-4o-mini'::text),
                  (1, 'medication', 'Salbutamol 100 mcg', '{}', 0.75, %1$L::uuid, %2$L::uuid, 1, 'gpt-4o-mini'),
                  (2, 'observation', 'Hb 13.2 g/dL', '{}', null, %1$L::uuid, %2$L::uuid, 1, 'gpt-4o-mini')$$, :'alice', :'job_id'),
  'one row per item in order: category, trimmed label, details (default {}), confidence, patient, job');
select is((select job_result ->> 'pass2_done' from public.job_queue where id = :'job_id'), '1', 'pass2_done = 1');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'the lease was extended');
select results_eq(
  format($$select table_name, record_id, operation, compliance_category, patient_id, (new_values ->> 'items')::integer, new_values -> 'ids'
             from public.audit_log where job_id = %L$$, :'job_id'),
  format($$select 'clinical_extractions'::text, %L::text, 'INSERT'::text, 'clinical'::text, %L::uuid, 3,
                  (select jsonb_agg(id order by item_index) from public.clinical_extractions where shell_file_id = %L)$$,
         :'shell_file_id' || ':1', :'alice', :'shell_file_id'),
  'one clinical audit event with patient and job, listing the three ids');

create temp table progress_before as select job_result from public.job_queue where id = :'job_id';
select is(public.record_page_extractions(:'job_id', 'w1', 1, $$[
    {"category": "condition", "label": "Asthma"}, {"category": "other", "label": "a"},
    {"category": "other", "label": "b"}, {"category": "other", "label": "an extra fourth item"}]$$, 'm2'),
  true, 'page 1 again (with an extra item): true');
select is((select count(*)::integer from public.clinical_extractions where shell_file_id = :'shell_file_id'), 3, 'still three rows');
select is((select job_result from public.job_queue where id = :'job_id'), (select job_result from progress_before), 'progress unchanged');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no second audit event');

select is(public.record_page_extractions(:'job_id', 'w1', 2, '[]', 'gpt-4o-mini'), true, 'page 2 without items: recorded');
select is((select job_result ->> 'pass2_done' from public.job_queue where id = :'job_id'), '2', 'pass2_done = 2');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no audit event for a page without rows');

select * from finish();
rollback;
