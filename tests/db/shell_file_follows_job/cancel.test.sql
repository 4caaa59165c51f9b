-- cancel_job on a shell file's job: the shell file becomes 'cancelled' (processing or queued),
-- with one audit event (clinical, patient, job) next to cancel_job's own. A file already
-- completed, failed or cancelled keeps its outcome and gets no event.
begin;
select plan(11);

select tests.create_user_with_profile('sfj_cancel_alice') as alice \gset
-- Held by a worker, document inspected: processing / processing.
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 3}') \gset
-- Waiting: pending / queued.
select job_id as j_pending, shell_file_id as f_queued from tests.create_processing_job(:'alice', 'w2') \gset
update public.job_queue set status = 'pending', worker_id = null, heartbeat_at = null, started_at = null where id = :'j_pending';
-- Files with an outcome whose job is still pending.
select job_id as j_done, shell_file_id as f_done from tests.create_processing_job(:'alice', 'w3', '{"page_count": 1}') \gset
select job_id as j_failed, shell_file_id as f_failed from tests.create_processing_job(:'alice', 'w4', '{"page_count": 1}') \gset
select job_id as j_cancelled, shell_file_id as f_cancelled from tests.create_processing_job(:'alice', 'w5') \gset
update public.job_queue set status = 'pending', worker_id = null, heartbeat_at = null, started_at = null
 where id in (:'j_done', :'j_failed', :'j_cancelled');
update public.shell_files set status = 'completed', processing_completed_at = now() where id = :'f_done';
update public.shell_files set status = 'failed', processing_error = '{"code": "no_pages", "message": "The document has no pages."}'
 where id = :'f_failed';
update public.shell_files set status = 'cancelled' where id = :'f_cancelled';
create temp table files_before as select * from public.shell_files where id in (:'f_done', :'f_failed', :'f_cancelled');

select is(public.cancel_job(:'job_id', 'duplicate upload'), true, 'cancel_job cancels the processing job');
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('cancelled'::text, null::jsonb)$$,
  'its processing shell file is cancelled');
select results_eq(
  format($$select operation, compliance_category, patient_id, job_id, old_values, new_values
             from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'shell_file_id'),
  format($$values ('UPDATE'::text, 'clinical'::text, %L::uuid, %L::uuid, '{"status": "processing"}'::jsonb, '{"status": "cancelled"}'::jsonb)$$,
         :'alice', :'job_id'),
  'exactly one audit event for the shell file: clinical, with patient and job');
select results_eq(
  format($$select table_name from public.audit_log where job_id = %L order by table_name$$, :'job_id'),
  $$values ('job_queue'::text), ('shell_files'::text)$$,
  'the job''s audit: cancel_job''s event and the shell file''s, nothing more');

select is(public.cancel_job(:'j_pending', 'user withdrew it'), true, 'cancel_job cancels the pending job');
select is((select status from public.shell_files where id = :'f_queued'), 'cancelled', 'its queued shell file is cancelled');
select results_eq(
  format($$select old_values, new_values from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'f_queued'),
  $$values ('{"status": "queued"}'::jsonb, '{"status": "cancelled"}'::jsonb)$$,
  'one audit event, naming the previous status');

select ok(public.cancel_job(:'j_done', 'x') and public.cancel_job(:'j_failed', 'x') and public.cancel_job(:'j_cancelled', 'x'),
  'the three pending jobs of finished files are cancelled');
select set_eq(
  format($$select * from public.shell_files where id in (%L, %L, %L)$$, :'f_done', :'f_failed', :'f_cancelled'),
  'select * from files_before',
  'completed, failed and cancelled files keep their status and error');
select is_empty(
  format($$select 1 from public.audit_log where table_name = 'shell_files' and record_id in (%L, %L, %L)$$,
         :'f_done', :'f_failed', :'f_cancelled'),
  'and get no event');

-- A second cancel is refused by cancel_job and writes nothing more.
select is(public.cancel_job(:'job_id', 'again'), false, 'a cancelled job cannot be cancelled again');

select * from finish();
rollback;
