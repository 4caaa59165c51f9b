-- Usage is what the database recorded, not what a caller says: a document taken through
-- every step RPC (OCR, a text layer, passes 1-3, with a repeated step and a refused one on
-- the way) is finished with the sum of the tokens of the steps recorded, each once, and the
-- seconds since its first step; the old signature that took both from the caller is gone.
begin;
select plan(12);

select tests.create_user_with_profile('fsfj_usage_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset

select ok(public.record_document_inspection(:'job_id', 'w1', 2, array[1]), 'inspected');
select ok(public.record_page_text(:'job_id', 'w1', 1, 'ocr', 'scanned', 0.9, 'openai_vision', 1100), 'page 1: OCR, 1100');
select ok(public.record_page_text(:'job_id', 'w1', 1, 'ocr', 'scanned', 0.9, 'openai_vision', 1100)
          and public.record_page_text(:'job_id', 'w1', 2, 'pdf_text_layer', 'layer', null, null)
          and public.record_page_entities(:'job_id', 'w1', 1, '[]', 'm', 200)
          and public.record_page_entities(:'job_id', 'w1', 2, '[]', 'm', 150)
          and public.record_page_entities(:'job_id', 'w1', 2, '[]', 'm', 150)
          and public.record_page_extractions(:'job_id', 'w1', 1, '[{"category": "other", "label": "x"}]', 'm', 300),
  'page 1 again (a lost answer retried); page 2 text layer (0); pass 1: 200, 150, 150 again; pass 2 page 1: 300');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', 'n', 'm', 99999)$$, :'job_id'), '55000',
  'record_narrative: pass 2 is done for 1 of 2 pages', 'the narrative too early: refused (its tokens not counted)');
select ok(public.record_page_extractions(:'job_id', 'w1', 2, '[]', 'm', 120), 'pass 2 page 2: 120');
select ok(public.record_narrative(:'job_id', 'w1', 'Title', 'Narrative.', 'm', 400)
          and public.record_narrative(:'job_id', 'w1', 'Title', 'Narrative.', 'm', 400), 'narrative: 400, then again');
select is((select job_result -> 'tokens_used' from public.job_queue where id = :'job_id'), '2270'::jsonb,
  'progress: 1100 + 0 + 200 + 150 + 300 + 120 + 400, each step once');

update public.shell_files set processing_started_at = now() - interval '95.6 seconds' where id = :'shell_file_id';
select tests.authenticate_as_service_role();
select ok(public.finish_shell_file_job(:'job_id', 'w1'), 'finished');
select tests.clear_authentication();
select results_eq(format($$select quantities from public.usage_events where job_id = %L and event_type = 'ai_processing_completed'$$, :'job_id'),
  $$values ('{"tokens_used": 2270, "processing_seconds": 96}'::jsonb)$$,
  'usage: the recorded tokens and the seconds since the first step');
select results_eq(format($$select ai_tokens_used, ai_processing_seconds from public.user_usage_tracking where profile_id = %L$$, :'alice'),
  $$values (2270::bigint, 96::bigint)$$, 'the profile''s counters');
select is((select new_values -> 'tokens_used' from public.audit_log
            where job_id = :'job_id' and table_name = 'shell_files' and new_values ->> 'status' = 'completed'),
  '2270'::jsonb, 'the completion audit names the same total');
select is(to_regprocedure('public.finish_shell_file_job(uuid, text, integer, integer)'), null,
  'no overload takes tokens or seconds from the caller');

select * from finish();
rollback;
