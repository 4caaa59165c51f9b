-- The sweeper (reclaim_expired_jobs) dead-letters a shell_file_processing job whose workers
-- kept dying (dead_letter_reason lease_expired_max_retries): its shell file becomes 'failed'
-- with processing_error {processing_interrupted, the generic message of fail_shell_file_job's
-- catalogue}, and ONE audit event (clinical, the file's patient, the job) is added to the
-- sweeper's own. A file already completed, failed or cancelled keeps its outcome; a job
-- reclaimed with retries left leaves its file as it is.
begin;
select plan(13);

select tests.create_user_with_profile('sfj_sweep_alice') as alice \gset
-- An inspected document ('processing') and one never inspected ('queued'), both out of retries.
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 2, "text_done": 1}') \gset
select job_id as j_queued, shell_file_id as f_queued from tests.create_processing_job(:'alice', 'w2') \gset
-- Files that already have an outcome, whose jobs are still (stale) processing.
select job_id as j_done, shell_file_id as f_done from tests.create_processing_job(:'alice', 'w3', '{"page_count": 1}') \gset
select job_id as j_failed, shell_file_id as f_failed from tests.create_processing_job(:'alice', 'w4', '{"page_count": 1}') \gset
select job_id as j_cancelled, shell_file_id as f_cancelled from tests.create_processing_job(:'alice', 'w5') \gset
update public.shell_files set status = 'completed', processing_completed_at = now() where id = :'f_done';
update public.shell_files
   set status = 'failed',
       processing_error = '{"code": "corrupt_document", "message": "The document could not be read. It may be damaged, or not a valid PDF or image."}'
 where id = :'f_failed';
update public.shell_files set status = 'cancelled' where id = :'f_cancelled';
-- Retries left: reclaimed, not dead-lettered.
select job_id as j_retry, shell_file_id as f_retry from tests.create_processing_job(:'alice', 'w6', '{"page_count": 1}') \gset

update public.job_queue set retry_count = max_retries
 where id in (:'job_id', :'j_queued', :'j_done', :'j_failed', :'j_cancelled');
update public.job_queue set heartbeat_at = now() - interval '1 hour'
 where id in (:'job_id', :'j_queued', :'j_done', :'j_failed', :'j_cancelled', :'j_retry');
create temp table files_before as
  select * from public.shell_files where id in (:'f_done', :'f_failed', :'f_cancelled', :'f_retry');

select public.reclaim_expired_jobs();

-- The sweeper did its part (so what follows is not vacuous).
select is((select count(*)::integer from public.job_queue
            where id in (:'job_id', :'j_queued', :'j_done', :'j_failed', :'j_cancelled')
              and status = 'failed' and dead_letter_at is not null
              and error_details ->> 'dead_letter_reason' = 'lease_expired_max_retries'),
  5, 'the sweeper dead-lettered the five jobs out of retries (lease_expired_max_retries)');
select is((select status from public.job_queue where id = :'j_retry'), 'pending', 'and reclaimed the one with retries left');

-- A processing document: failed, with the generic message.
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('failed'::text, '{"code": "processing_interrupted", "message": "The document could not be processed. Try again later, or contact support if it keeps failing."}'::jsonb)$$,
  'a processing shell file becomes failed, processing_interrupted, with the generic message');
select results_eq(
  format($$select table_name, operation, compliance_category, patient_id, job_id, old_values, new_values
             from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'shell_file_id'),
  format($$values ('shell_files'::text, 'UPDATE'::text, 'clinical'::text, %L::uuid, %L::uuid,
                   '{"status": "processing"}'::jsonb,
                   '{"status": "failed", "error_code": "processing_interrupted", "dead_letter_reason": "lease_expired_max_retries"}'::jsonb)$$,
         :'alice', :'job_id'),
  'exactly one audit event for the shell file: clinical, with patient and job');
select results_eq(
  format($$select table_name, compliance_category from public.audit_log where job_id = %L order by table_name$$, :'job_id'),
  $$values ('job_queue'::text, 'system'::text), ('shell_files'::text, 'clinical'::text)$$,
  'the job''s audit: the sweeper''s dead-lettering and the shell file''s failure, nothing more');
select ok((select updated_at = now() from public.shell_files where id = :'shell_file_id'), 'updated_at stamped');

-- A queued document (workers died before the inspection): failed alike.
select results_eq(
  format($$select status, processing_error ->> 'code' from public.shell_files where id = %L$$, :'f_queued'),
  $$values ('failed'::text, 'processing_interrupted'::text)$$,
  'a queued shell file becomes failed too');
select results_eq(
  format($$select old_values, patient_id, job_id from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'f_queued'),
  format($$values ('{"status": "queued"}'::jsonb, %L::uuid, %L::uuid)$$, :'alice', :'j_queued'),
  'one audit event, naming the previous status');

-- Outcomes already reached are kept, unaudited; the reclaimed job's file is untouched.
select set_eq(
  format($$select * from public.shell_files where id in (%L, %L, %L, %L)$$, :'f_done', :'f_failed', :'f_cancelled', :'f_retry'),
  'select * from files_before',
  'completed, failed and cancelled files, and the reclaimed job''s file, are unchanged');
select is_empty(
  format($$select 1 from public.audit_log where table_name = 'shell_files' and record_id in (%L, %L, %L, %L)$$,
         :'f_done', :'f_failed', :'f_cancelled', :'f_retry'),
  'and no shell file event is written for them');

-- The message is fail_shell_file_job's generic one, word for word (the two literals must not drift).
select job_id as j_fsf, shell_file_id as f_fsf from tests.create_processing_job(:'alice', 'w7') \gset
select is(public.fail_shell_file_job(:'j_fsf', 'w7', '{"code": "provider_unavailable"}', false), 'dead_lettered',
  'fail_shell_file_job with a code outside its catalogue');
select is((select processing_error ->> 'message' from public.shell_files where id = :'shell_file_id'),
          (select processing_error ->> 'message' from public.shell_files where id = :'f_fsf'),
  'the sweeper''s message is fail_shell_file_job''s generic message');

-- A second sweep finds nothing more to do.
select public.reclaim_expired_jobs();
select is((select count(*)::integer from public.audit_log where table_name = 'shell_files' and record_id = :'shell_file_id'), 1,
  'a second sweep adds no event');

select * from finish();
rollback;
