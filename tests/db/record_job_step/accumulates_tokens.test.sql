-- job_result.tokens_used: the call whose merge advances the progress (the step's first
-- record) adds its p_tokens_used; a repeated step, an empty progress, or a call by a worker
-- that does not hold the job adds nothing. A boolean turning true advances like a counter.
-- The total is an integer: past its range the call raises 22003 and records nothing.
begin;
select plan(15);

select tests.create_user_with_profile('rjs_tok_alice') as alice \gset
select job_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 0, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create function pg_temp.tokens(p_job uuid) returns jsonb language sql as $$
  select job_result -> 'tokens_used' from public.job_queue where id = p_job
$$;

-- A STEP'S FIRST RECORD adds its tokens.
select is((select advanced from private.record_job_step('f', :'job_id', 'w1', '{"text_done": 1}', 1500)), true,
  'text_done 0 -> 1: advanced');
select is(pg_temp.tokens(:'job_id'), '1500'::jsonb, 'its tokens: 1500');

-- THE SAME STEP AGAIN adds nothing (a retry after a lost answer, the loser of a race).
select is((select advanced from private.record_job_step('f', :'job_id', 'w1', '{"text_done": 1}', 1500)), false,
  'text_done 1 again: not advanced');
select is(pg_temp.tokens(:'job_id'), '1500'::jsonb, 'still 1500');
select is((select advanced from private.record_job_step('f', :'job_id', 'w1', '{"text_done": 0}', 99)), false,
  'an older counter (text_done 0): not advanced');
select is(pg_temp.tokens(:'job_id'), '1500'::jsonb, 'still 1500');

-- THE NEXT STEP adds its own; a step without tokens (a PDF text layer) advances with 0.
select is((select advanced from private.record_job_step('f', :'job_id', 'w1', '{"text_done": 2}')), true,
  'text_done 2 (tokens omitted): advanced');
select private.record_job_step('f', :'job_id', 'w1', '{"pass1_done": 1}', 320);
select is(pg_temp.tokens(:'job_id'), '1820'::jsonb, '1500 + 0 + 320');

-- AN EMPTY PROGRESS only beats.
select is((select advanced from private.record_job_step('f', :'job_id', 'w1', '{}', 777)), false, 'empty progress: not advanced');
select is(pg_temp.tokens(:'job_id'), '1820'::jsonb, 'still 1820');

-- A FLAG TURNING TRUE advances once.
select private.record_job_step('f', :'job_id', 'w1', '{"narrative_done": true}', 180);
select private.record_job_step('f', :'job_id', 'w1', '{"narrative_done": true}', 180);
select is(pg_temp.tokens(:'job_id'), '2000'::jsonb, 'narrative_done false -> true counted once: 2000');

-- NOT THE HOLDER: no row, no tokens.
select is_empty(format($$select * from private.record_job_step('f', %L, 'w2', '{"pass1_done": 2}', 5)$$, :'job_id'),
  'another worker: no row');
select is((select job_result from public.job_queue where id = :'job_id') - 'tokens_used',
  '{"page_count": 2, "ocr_pages": [], "text_done": 2, "pass1_done": 1, "pass2_done": 0, "narrative_done": true}'::jsonb,
  'the counters are what the holder recorded');
select is(pg_temp.tokens(:'job_id'), '2000'::jsonb, 'and the tokens too');

-- OVERFLOW: refused, nothing recorded.
select job_id as big from tests.create_processing_job(:'alice', 'w1', '{"page_count": 1, "text_done": 0, "tokens_used": 2147483600}') \gset
select throws_ok(format($$select private.record_job_step('f', %L, 'w1', '{"text_done": 1}', 100)$$, :'big'), '22003',
  'integer out of range', 'a total past the integer range: 22003 (and the step is not recorded)');

select * from finish();
rollback;
