-- Pass 1 passes its tokens (stored on the row as before) on to progress tokens_used, once:
-- the same page again adds nothing; a refused (out of order) call adds nothing either.
begin;
select plan(6);

select tests.create_user_with_profile('rpe_tok_alice') as alice \gset
select job_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 1, "pass1_done": 0, "pass2_done": 0, "narrative_done": false, "tokens_used": 50}') \gset
create function pg_temp.tokens(p_job uuid) returns jsonb language sql as $$
  select job_result -> 'tokens_used' from public.job_queue where id = p_job
$$;

select is(public.record_page_entities(:'job_id', 'w1', 1, '[]', 'gpt-4o-mini', 321), true, 'page 1 recorded');
select is(pg_temp.tokens(:'job_id'), '371'::jsonb, 'tokens_used = 50 + 321');
select is(public.record_page_entities(:'job_id', 'w1', 1, '[]', 'gpt-4o-mini', 321), true, 'page 1 again: true');
select is(pg_temp.tokens(:'job_id'), '371'::jsonb, 'the repeated page adds nothing');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 2, '[]', 'gpt-4o-mini', 400)$$, :'job_id'), '55000',
  'record_page_entities: page 2 has no text yet', 'page 2 before its text: refused');
select is(pg_temp.tokens(:'job_id'), '371'::jsonb, 'the refused call adds nothing');

select * from finish();
rollback;
