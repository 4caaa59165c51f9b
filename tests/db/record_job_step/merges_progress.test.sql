-- The merge rules, in one locked step with the beat: text_done / pass1_done / pass2_done
-- never move back (greatest), narrative_done / finished never turn false (or), any other
-- key is written once (kept when present). Returns the job's ids, the progress before, and
-- whether the merge advanced it (then tokens_used is written: 0 here, see
-- accumulates_tokens.test.sql).
begin;
select plan(7);

select tests.create_user_with_profile('rjs_merge_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [1], "text_done": 2, "pass1_done": 1, "narrative_done": true, "custom": "kept"}') \gset
update public.job_queue set heartbeat_at = now() - interval '100 seconds', updated_at = now() - interval '100 seconds' where id = :'job_id';

select results_eq(
  format($$select * from private.record_job_step('f', %L, 'w1',
      '{"text_done": 1, "pass1_done": 3, "pass2_done": 0, "page_count": 9, "ocr_pages": [], "narrative_done": false, "finished": true, "new_key": 1}')$$, :'job_id'),
  format($$values (%L::uuid, %L::uuid,
      '{"page_count": 3, "ocr_pages": [1], "text_done": 2, "pass1_done": 1, "narrative_done": true, "custom": "kept"}'::jsonb, true)$$, :'shell_file_id', :'alice'),
  'one row: the shell file, the patient, the progress before the merge, advanced');
select is((select job_result from public.job_queue where id = :'job_id'),
  '{"page_count": 3, "ocr_pages": [1], "text_done": 2, "pass1_done": 3, "pass2_done": 0, "narrative_done": true,
    "finished": true, "custom": "kept", "new_key": 1, "tokens_used": 0}'::jsonb,
  'counters: greatest; booleans: or; page_count and ocr_pages kept; new keys added; tokens_used started');
select results_eq(format($$select heartbeat_at, updated_at, status, worker_id from public.job_queue where id = %L$$, :'job_id'),
  $$values (now(), now(), 'processing'::text, 'w1'::text)$$, 'beat; still processing, same holder');

-- From no progress at all.
select job_id as j2 from tests.create_processing_job(:'alice', 'w1') \gset
select is((select previous_progress from private.record_job_step('f', :'j2', 'w1', '{"text_done": 1, "finished": false}')), '{}'::jsonb,
  'no progress yet: previous_progress is {}');
select is((select job_result from public.job_queue where id = :'j2'), '{"text_done": 1, "finished": false, "tokens_used": 0}'::jsonb,
  'the first progress as given, and tokens_used');

-- An empty progress only beats: nothing advanced.
update public.job_queue set heartbeat_at = now() - interval '100 seconds' where id = :'j2';
select is((select advanced from private.record_job_step('f', :'j2', 'w1', '{}')), false, 'empty progress: one row, not advanced');
select results_eq(format($$select job_result, heartbeat_at from public.job_queue where id = %L$$, :'j2'),
  $$values ('{"text_done": 1, "finished": false, "tokens_used": 0}'::jsonb, now())$$, 'progress unchanged, beat');

select * from finish();
rollback;
