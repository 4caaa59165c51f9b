-- AI pass 3: the document's one clinical_narratives row, narrative_done, the lease extended,
-- one clinical audit event (lengths, not content). A second call is a no-op.
begin;
select plan(10);

select tests.create_user_with_profile('rn_once_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 2, "pass1_done": 2, "pass2_done": 2, "narrative_done": false}') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'job_id';

select is(public.record_narrative(:'job_id', 'w1', ' Blood test, March ', 'Haemoglobin within range.', 'gpt-4o-mini', 640), true, 'recorded');
select results_eq(
  format($$select patient_id, title, narrative, model, tokens_used, job_id from public.clinical_narratives where shell_file_id = %L$$, :'shell_file_id'),
  format($$values (%L::uuid, 'Blood test, March'::text, 'Haemoglobin within range.'::text, 'gpt-4o-mini'::text, 640, %L::uuid)$$, :'alice', :'job_id'),
  'the row: patient, trimmed title, narrative, model, tokens, the job');
select is((select job_result -> 'narrative_done' from public.job_queue where id = :'job_id'), 'true'::jsonb, 'narrative_done = true');
select is((select heartbeat_at from public.job_queue where id = :'job_id'), now(), 'the lease was extended');
select results_eq(
  format($$select a.table_name, a.record_id, a.operation, a.compliance_category, a.patient_id, a.new_values
             from public.audit_log a where a.job_id = %L$$, :'job_id'),
  format($$select 'clinical_narratives'::text, n.id::text, 'INSERT'::text, 'clinical'::text, %L::uuid,
                  jsonb_build_object('shell_file_id', n.shell_file_id, 'model', 'gpt-4o-mini', 'tokens_used', 640, 'narrative_length', 25)
             from public.clinical_narratives n where n.shell_file_id = %L$$, :'alice', :'shell_file_id'),
  'one clinical audit event with patient and job, and the narrative''s length only');

create temp table progress_before as select job_result from public.job_queue where id = :'job_id';
select is(public.record_narrative(:'job_id', 'w1', 'Another title', 'Another text.', 'm2', 1), true, 'a second call: true');
select is((select count(*)::integer from public.clinical_narratives where shell_file_id = :'shell_file_id'), 1, 'still one row');
select is((select title from public.clinical_narratives where shell_file_id = :'shell_file_id'), 'Blood test, March', 'the first narrative stands');
select is((select job_result from public.job_queue where id = :'job_id'), (select job_result from progress_before), 'progress unchanged');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id'), 1, 'no second audit event');

select * from finish();
rollback;
