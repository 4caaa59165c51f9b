-- AI pass 1 of a page: one page_entity_detections row, pass1_done advanced, the lease
-- extended, one clinical audit event (counts, not content). The same page again is a
-- no-op: one row, progress unchanged, no second audit event.
begin;
select plan(11);

select tests.create_user_with_profile('rpe_once_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 2, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';

select is(public.record_page_entities(:'job_id', 'w1', 1,
  '[{"type": "condition", "text": "asthma", "confidence": 0.9}, {"type": "medication", "text": "salbutamol", "confidence": 0.8}]',
  ' gpt-4o-mini ', 321), true, 'page 1 recorded');
select results_eq(
  format($$select page_number, patient_id, jsonb_array_length(entities), model, tokens_used, job_id
             from public.page_entity_detections where shell_file_id = %L$$, :'shell_file_id'),
  format($$values (1, %L::uuid, 2, 'gpt-4o-mini'::text, 321, %L::uuid)$$, :'alice', :'job_id'),
  'the row: page, patient, the entities, the model (trimmed), tokens, the job');
select is((select job_result ->> 'pass1_done' from public.job_queue where id = :'job_id'), '1', 'pass1_done = 1');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'the lease was extended');
select results_eq(
  format($$select table_name, record_id, operation, compliance_category, patient_id, new_values
             from public.audit_log where job_id = %L$$, :'job_id'),
  format($$values ('page_entity_detections'::text, %L::text, 'INSERT'::text, 'clinical'::text, %L::uuid,
                   '{"page_number": 1, "entities": 2, "model": "gpt-4o-mini", "tokens_used": 321}'::jsonb)$$,
         :'shell_file_id' || ':1', :'alice'),
  'one clinical audit event with patient and job, counting the entities');

create temp table progress_before as select job_result from public.job_queue where id = :'job_id';
select is(public.record_page_entities(:'job_id', 'w1', 1, '[]', 'other-model', 5), true, 'page 1 again: true');
select is((select count(*)::integer from public.page_entity_detections where shell_file_id = :'shell_file_id'), 1, 'still one row');
select is((select model from public.page_entity_detections where shell_file_id = :'shell_file_id'), 'gpt-4o-mini', 'the first result stands');
select is((select job_result from public.job_queue where id = :'job_id'), (select job_result from progress_before), 'progress unchanged');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no second audit event');
select is(public.record_page_entities(:'job_id', 'w1', 2, '[]', 'gpt-4o-mini', 0), true, 'page 2 (no entities) recorded');

select * from finish();
rollback;
