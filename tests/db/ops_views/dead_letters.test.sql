-- ops.dead_letters: failed jobs with dead_letter_at, with the reason from error_details,
-- the last event and error, retry counts, the last holder and the patient/shell file.
-- A job dead-lettered by the real RPCs shows up the same way.
begin;
select plan(7);

insert into public.job_lanes (job_type, job_lane, is_default, description) values ('ops_dl_test', 'a', true, 'test');
select set_config('fix.p', tests.create_user_with_profile('ops_dl')::text, true);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes)
values ('e1000000-0000-4000-8000-0000000000f1', current_setting('fix.p')::uuid, current_setting('fix.p') || '/dl.pdf', 'dl.pdf', 'application/pdf', 10);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, retry_count, max_retries,
                              dead_letter_at, error_details, patient_id, shell_file_id)
values
  ('e1000000-0000-4000-8000-000000000001', 'ops_dl_test', 'a', 'exhausted', '{}', 'failed', 'w-last', 4, 3, now() - interval '1 minute',
   '{"dead_letter_reason": "max_retries_exhausted",
     "attempts": [{"event": "failed", "error": {"code": "E1"}}, {"event": "failed", "error": {"code": "E2"}}]}',
   current_setting('fix.p')::uuid, 'e1000000-0000-4000-8000-0000000000f1'),
  -- failed but not dead-lettered (not possible through the RPCs, but not a dead letter either)
  ('e1000000-0000-4000-8000-000000000002', 'ops_dl_test', 'a', 'failed only', '{}', 'failed', null, 0, 3, null, null, null, null),
  ('e1000000-0000-4000-8000-000000000003', 'ops_dl_test', 'a', 'cancelled', '{}', 'cancelled', null, 0, 3, null, null, null, null);

select results_eq(
  $$select job_id, reason, last_event ->> 'event', last_error, retry_count, max_retries, last_worker_id, patient_id, shell_file_id, dead_letter_at
      from ops.dead_letters where job_type = 'ops_dl_test'$$,
  $$values ('e1000000-0000-4000-8000-000000000001'::uuid, 'max_retries_exhausted'::text, 'failed'::text, '{"code": "E2"}'::jsonb,
            4, 3, 'w-last'::text, current_setting('fix.p')::uuid, 'e1000000-0000-4000-8000-0000000000f1'::uuid, now() - interval '1 minute')$$,
  'only the dead letter: its reason, the LAST event and error, retries, last holder, patient and shell file');

-- Through the RPCs: enqueue, claim, fail without retry -> dead letter.
select set_config('fix.job', (select job_id::text from public.enqueue_job_v3(
  job_type => 'ops_dl_test', job_name => 'via rpcs', job_payload => '{"k": 1}'))::text, true);
select is((select job_id::text from public.claim_next_job_v3('w-ops-dl', array['ops_dl_test'])),
  current_setting('fix.job'), 'claimed the job');
select is(public.fail_job(current_setting('fix.job')::uuid, 'w-ops-dl', '{"message": "unreadable"}', false),
  'dead_lettered', 'failed without retry');
select results_eq(
  format($$select reason, last_error, last_worker_id from ops.dead_letters where job_id = %L$$, current_setting('fix.job')),
  $$values ('not_retryable'::text, '{"message": "unreadable"}'::jsonb, 'w-ops-dl'::text)$$,
  'the view reads what fail_job wrote: reason, error, holder');

-- Retried from the dead-letter queue: gone from the view.
select ok(public.retry_dead_letter(current_setting('fix.job')::uuid, 'operator: fixed the file'), 'retried by an operator');
select ok(not exists (select 1 from ops.dead_letters where job_id = current_setting('fix.job')::uuid), 'no longer a dead letter');
select is((select count(*) from ops.dead_letters where job_type = 'ops_dl_test'), 1::bigint, 'one dead letter left');

select * from finish();
rollback;
