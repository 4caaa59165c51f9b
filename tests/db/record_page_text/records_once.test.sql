-- One page's text: one shell_file_pages row under (shell_file_id, page_number), text_done
-- advanced, the lease extended, one clinical audit event without the text. The same page
-- again is a no-op: one row (the first text), progress unchanged, no second audit event.
begin;
select plan(12);

select tests.create_user_with_profile('rpt_once_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [2], "text_done": 0, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';

select is(public.record_page_text(:'job_id', 'w1', 1, 'pdf_text_layer', 'Hb 13.2 g/dL', null, ' '), true, 'page 1 recorded');
select results_eq(
  format($$select page_number, patient_id, text_source, page_text, confidence, provider, job_id
             from public.shell_file_pages where shell_file_id = %L$$, :'shell_file_id'),
  format($$values (1, %L::uuid, 'pdf_text_layer'::text, 'Hb 13.2 g/dL'::text, null::numeric, null::text, %L::uuid)$$, :'alice', :'job_id'),
  'the row: page, patient, source, text, no confidence, a blank provider stored as null, the job');
select is((select job_result ->> 'text_done' from public.job_queue where id = :'job_id'), '1', 'text_done = 1');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'the lease was extended');
select results_eq(
  format($$select table_name, record_id, operation, compliance_category, patient_id, new_values
             from public.audit_log where job_id = %L$$, :'job_id'),
  format($$values ('shell_file_pages'::text, %L::text, 'INSERT'::text, 'clinical'::text, %L::uuid,
                   '{"page_number": 1, "text_source": "pdf_text_layer", "provider": null, "text_length": 12, "tokens_used": 0}'::jsonb)$$,
         :'shell_file_id' || ':1', :'alice'),
  'one clinical audit event with patient and job, and the text''s length, not the text');

-- SECOND TIME
create temp table progress_before as select job_result from public.job_queue where id = :'job_id';
select is(public.record_page_text(:'job_id', 'w1', 1, 'ocr', 'something else', 0.5, 'google'), true, 'page 1 again: true');
select is((select count(*)::integer from public.shell_file_pages where shell_file_id = :'shell_file_id'), 1, 'still one row');
select is((select page_text from public.shell_file_pages where shell_file_id = :'shell_file_id'), 'Hb 13.2 g/dL', 'the first text stands');
select is((select job_result from public.job_queue where id = :'job_id'), (select job_result from progress_before), 'progress unchanged');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no second audit event');

-- The next page.
select is(public.record_page_text(:'job_id', 'w1', 2, 'ocr', '', 0.875, 'google-vision'), true, 'page 2 (an empty OCR page) recorded');
select is((select job_result ->> 'text_done' from public.job_queue where id = :'job_id'), '2', 'text_done = 2');

select * from finish();
rollback;
