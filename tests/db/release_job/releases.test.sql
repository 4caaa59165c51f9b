-- A held job handed back: pending, due now, no holder, no retry counted, checkpoints and
-- history kept; the next claim (another invocation) takes it with its progress.
begin;
select plan(6);

select tests.create_user_with_profile('rj_rel_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 4, "ocr_pages": [], "text_done": 4, "pass1_done": 2, "pass2_done": 0, "narrative_done": false}') \gset
update public.job_queue set retry_count = 1, error_details = '{"attempts": [{"event": "failed"}]}', priority = 10 where id = :'job_id';
create temp table job_before as select * from public.job_queue where id = :'job_id';

select is(public.release_job(:'job_id', 'w1'), true, 'released');
select results_eq(
  format($$select status, worker_id, heartbeat_at, started_at, scheduled_at, updated_at from public.job_queue where id = %L$$, :'job_id'),
  $$values ('pending'::text, null::text, null::timestamptz, null::timestamptz, now(), now())$$,
  'pending, no holder, no lease, due now');
select results_eq(
  format($$select retry_count, job_result, error_details, max_retries, dead_letter_at from public.job_queue where id = %L$$, :'job_id'),
  $$select retry_count, job_result, error_details, max_retries, dead_letter_at from job_before$$,
  'no retry counted; progress and history kept');
select is((select status from public.shell_files where id = :'shell_file_id'), 'processing', 'the shell file stays processing');
select results_eq($$select c.job_id, c.job_result ->> 'pass1_done' from public.claim_next_job_v3('w2', array['shell_file_processing']) c$$,
  format($$values (%L::uuid, '2'::text)$$, :'job_id'), 'the next invocation claims it, with its progress');
select is(public.release_job(:'job_id', 'w1'), false, 'the old holder can no longer release it');

select * from finish();
rollback;
