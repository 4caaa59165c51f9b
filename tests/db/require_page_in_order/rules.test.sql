-- The order rule every per-page step shares: inspected first, within the page count, after
-- its prerequisite step, page after page; an already recorded page passes.
begin;
select plan(7);

select lives_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3, "text_done": 1}', 2, 'text_done')$$,
  'the next page passes');
select lives_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3, "text_done": 2}', 1, 'text_done')$$,
  'a page already recorded passes (the caller writes nothing)');
select throws_ok(
  $$select private.require_page_in_order('f', '{}', 1, 'text_done')$$,
  '55000', 'f: the document has not been inspected yet');
select throws_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3}', 4, 'text_done')$$,
  '22023', 'f: p_page_number must be between 1 and the page count (3)');
select throws_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3, "text_done": 1}', 3, 'text_done')$$,
  '55000', 'f: pages are recorded in order; the next page is 2');
select throws_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3, "text_done": 1, "pass1_done": 1}', 2,
      'pass1_done', 'text_done', 'has no text yet')$$,
  '55000', 'f: page 2 has no text yet');
select lives_ok(
  $$select private.require_page_in_order('f', '{"page_count": 3, "text_done": 2, "pass1_done": 1}', 2,
      'pass1_done', 'text_done', 'has no text yet')$$,
  'the prerequisite reached the page: passes');

select * from finish();
rollback;
