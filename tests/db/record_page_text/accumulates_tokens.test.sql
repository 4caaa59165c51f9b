-- The OCR call's tokens: p_tokens_used (default 0: a PDF text layer costs none) is added to
-- progress tokens_used once, when the page is recorded; the same page again adds nothing.
-- The audit event carries them. Called with named arguments, as PostgREST calls it.
begin;
select plan(9);

select tests.create_user_with_profile('rpt_tok_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [1, 3], "text_done": 0, "pass1_done": 0, "pass2_done": 0, "narrative_done": false, "tokens_used": 0}') \gset
create function pg_temp.tokens(p_job uuid) returns jsonb language sql as $$
  select job_result -> 'tokens_used' from public.job_queue where id = p_job
$$;

select is(public.record_page_text(p_job_id => :'job_id', p_worker_id => 'w1', p_page_number => 1, p_text_source => 'ocr',
  p_page_text => 'scanned', p_confidence => 0.9, p_provider => 'openai_vision', p_tokens_used => 1100), true, 'page 1 (OCR) recorded');
select is(pg_temp.tokens(:'job_id'), '1100'::jsonb, 'tokens_used = 1100');
select is((select new_values -> 'tokens_used' from public.audit_log where job_id = :'job_id' and table_name = 'shell_file_pages'),
  '1100'::jsonb, 'the audit event names the tokens');

select is(public.record_page_text(:'job_id', 'w1', 1, 'ocr', 'scanned again', 0.9, 'openai_vision', 1100), true, 'page 1 again: true');
select is(pg_temp.tokens(:'job_id'), '1100'::jsonb, 'the repeated page adds nothing');

select is(public.record_page_text(:'job_id', 'w1', 2, 'pdf_text_layer', 'layer', null, null), true, 'page 2 (text layer, tokens omitted)');
select is(pg_temp.tokens(:'job_id'), '1100'::jsonb, 'adds 0');

select is(public.record_page_text(:'job_id', 'w1', 3, 'ocr', 'scanned', 0.8, 'openai_vision', 950), true, 'page 3 (OCR)');
select is(pg_temp.tokens(:'job_id'), '2050'::jsonb, '1100 + 0 + 950');

select * from finish();
rollback;
