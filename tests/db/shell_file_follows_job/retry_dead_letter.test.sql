-- retry_dead_letter takes a job back from the dead letter: its 'failed' shell file becomes
-- 'queued' again with processing_error cleared, and one audit event (clinical, patient, job),
-- whether the sweeper or fail_shell_file_job put it there. A file that is not 'failed' is
-- left alone.
begin;
select plan(12);

select tests.create_user_with_profile('sfj_retry_alice') as alice \gset

-- Dead-lettered by the sweeper (the trigger made the file failed).
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 2}') \gset
update public.job_queue set retry_count = max_retries, heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select public.reclaim_expired_jobs();
select is((select status from public.shell_files where id = :'shell_file_id'), 'failed', 'the sweeper''s dead letter failed the file');

select is(public.retry_dead_letter(:'job_id', 'workers fixed'), true, 'retry_dead_letter reopens the job');
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('queued'::text, null::jsonb)$$,
  'the shell file is queued again, without its error');
select results_eq(
  format($$select operation, compliance_category, patient_id, job_id, old_values, new_values
             from public.audit_log where table_name = 'shell_files' and record_id = %L order by id$$, :'shell_file_id'),
  format($$values ('UPDATE'::text, 'clinical'::text, %L::uuid, %L::uuid, '{"status": "processing"}'::jsonb,
                   '{"status": "failed", "error_code": "processing_interrupted", "dead_letter_reason": "lease_expired_max_retries"}'::jsonb),
                  ('UPDATE'::text, 'clinical'::text, %1$L::uuid, %2$L::uuid,
                   '{"status": "failed", "error_code": "processing_interrupted"}'::jsonb, '{"status": "queued"}'::jsonb)$$,
         :'alice', :'job_id'),
  'the shell file''s events: its failure, then exactly one for the retry');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id' and table_name = 'job_queue'), 2,
  'the job''s own events: the dead-lettering and retry_dead_letter''s, nothing more');

-- Dead-lettered by the worker (fail_shell_file_job, with its specific message).
select job_id as j_fsf, shell_file_id as f_fsf from tests.create_processing_job(:'alice', 'w2', '{"page_count": 1}') \gset
select is(public.fail_shell_file_job(:'j_fsf', 'w2', '{"code": "password_protected"}', false), 'dead_lettered', 'fail_shell_file_job dead-letters');
select is(public.retry_dead_letter(:'j_fsf', 'user sent the password'), true, 'retry_dead_letter reopens it');
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'f_fsf'),
  $$values ('queued'::text, null::jsonb)$$,
  'the shell file is queued again, without its error');
select results_eq(
  format($$select old_values, new_values from public.audit_log where table_name = 'shell_files' and record_id = %L order by id$$, :'f_fsf'),
  $$values (null::jsonb, '{"status": "failed", "error_code": "password_protected", "retryable": false}'::jsonb),
           ('{"status": "failed", "error_code": "password_protected"}'::jsonb, '{"status": "queued"}'::jsonb)$$,
  'fail_shell_file_job''s event, then exactly one for the retry');

-- A dead letter whose file is not failed (an operator settled it by hand): left alone.
select job_id as j_other, shell_file_id as f_other from tests.create_processing_job(:'alice', 'w3') \gset
update public.job_queue set retry_count = max_retries, heartbeat_at = now() - interval '1 hour' where id = :'j_other';
select public.reclaim_expired_jobs();
update public.shell_files set status = 'cancelled', processing_error = null where id = :'f_other';
create temp table file_before as select * from public.shell_files where id = :'f_other';
select count(*) as events_before from public.audit_log where table_name = 'shell_files' and record_id = :'f_other' \gset
select is(public.retry_dead_letter(:'j_other', 'x'), true, 'the job is reopened');
select set_eq(format('select * from public.shell_files where id = %L', :'f_other'), 'select * from file_before',
  'a shell file that is not failed keeps its status');
select is((select count(*) from public.audit_log where table_name = 'shell_files' and record_id = :'f_other'), :events_before::bigint,
  'and gets no event');

select * from finish();
rollback;
