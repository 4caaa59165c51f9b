-- The pass 2 call's tokens: p_tokens_used is added to progress tokens_used once, when the
-- page is recorded (also a page without items: the call was made and paid for); the same
-- page again adds nothing. The audit event of a page with items carries them. Omitted, the
-- tokens are 0 (the five-argument call of a page with no text).
begin;
select plan(9);

select tests.create_user_with_profile('rpx_tok_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 3, "pass2_done": 0, "narrative_done": false, "tokens_used": 1000}') \gset
create function pg_temp.tokens(p_job uuid) returns jsonb language sql as $$
  select job_result -> 'tokens_used' from public.job_queue where id = p_job
$$;

select is(public.record_page_extractions(:'job_id', 'w1', 1, '[{"category": "condition", "label": "Asthma"}]', 'gpt-4o-mini', 300),
  true, 'page 1 recorded');
select is(pg_temp.tokens(:'job_id'), '1300'::jsonb, 'tokens_used = 1000 + 300');
select is((select new_values -> 'tokens_used' from public.audit_log where job_id = :'job_id' and table_name = 'clinical_extractions'),
  '300'::jsonb, 'the audit event names the tokens');

select is(public.record_page_extractions(:'job_id', 'w1', 1, '[{"category": "condition", "label": "Asthma"}]', 'gpt-4o-mini', 300),
  true, 'page 1 again: true');
select is(pg_temp.tokens(:'job_id'), '1300'::jsonb, 'the repeated page adds nothing');

select is(public.record_page_extractions(:'job_id', 'w1', 2, '[]', 'gpt-4o-mini', 250), true, 'page 2, no items');
select is(pg_temp.tokens(:'job_id'), '1550'::jsonb, 'its tokens count though it wrote no row');

select is(public.record_page_extractions(:'job_id', 'w1', 3, '[]', 'gpt-4o-mini'), true, 'page 3, tokens omitted');
select is(pg_temp.tokens(:'job_id'), '1550'::jsonb, 'adds 0');

select * from finish();
rollback;
