-- Pass 3 passes its tokens (stored on the row as before) on to progress tokens_used, once:
-- a second call adds nothing.
begin;
select plan(4);

select tests.create_user_with_profile('rn_tok_alice') as alice \gset
select job_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": false, "tokens_used": 800}') \gset
create function pg_temp.tokens(p_job uuid) returns jsonb language sql as $$
  select job_result -> 'tokens_used' from public.job_queue where id = p_job
$$;

select is(public.record_narrative(:'job_id', 'w1', 'Title', 'Narrative.', 'gpt-4o-mini', 640), true, 'recorded');
select is(pg_temp.tokens(:'job_id'), '1440'::jsonb, 'tokens_used = 800 + 640');
select is(public.record_narrative(:'job_id', 'w1', 'Title 2', 'Narrative 2.', 'gpt-4o-mini', 640), true, 'a second call: true');
select is(pg_temp.tokens(:'job_id'), '1440'::jsonb, 'adds nothing');

select * from finish();
rollback;
