-- Once every step is done: the job completed (finished and seconds added to job_result,
-- which kept its tokens_used), the shell file completed, AI usage counted once with the
-- recorded tokens and the seconds since processing started, audited. A second finish
-- answers false (the job is no longer held) and writes nothing.
begin;
select plan(11);

select tests.create_user_with_profile('fsfj_done_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [1], "text_done": 2, "pass1_done": 2, "pass2_done": 2, "narrative_done": true, "tokens_used": 1500}') \gset
update public.shell_files set processing_started_at = now() - interval '42.4 seconds' where id = :'shell_file_id';

select tests.authenticate_as_service_role();
select is(public.finish_shell_file_job(:'job_id', 'w1'), true, 'finished');
select tests.clear_authentication();

select results_eq(
  format($$select status, completed_at, heartbeat_at, job_result from public.job_queue where id = %L$$, :'job_id'),
  $$values ('completed'::text, now(), null::timestamptz,
            '{"page_count": 2, "ocr_pages": [1], "text_done": 2, "pass1_done": 2, "pass2_done": 2, "narrative_done": true,
              "tokens_used": 1500, "finished": true, "processing_seconds": 42}'::jsonb)$$,
  'the job: completed now, lease cleared, progress and tokens kept, with finished and the seconds');
select results_eq(
  format($$select status, processing_completed_at, processing_error, page_count from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('completed'::text, now(), null::jsonb, 2)$$,
  'the shell file: completed now, no error');
select results_eq(
  format($$select event_type, quantities from public.usage_events where job_id = %L$$, :'job_id'),
  $$values ('ai_processing_completed'::text, '{"tokens_used": 1500, "processing_seconds": 42}'::jsonb)$$,
  'AI usage counted once for the job: the recorded tokens, the seconds since processing started (rounded)');
select results_eq(
  format($$select ai_tokens_used, ai_processing_jobs, ai_processing_seconds from public.user_usage_tracking where profile_id = %L$$, :'alice'),
  $$values (1500::bigint, 1, 42::bigint)$$, 'the profile''s counters');
select results_eq(
  format($$select table_name, operation, compliance_category, patient_id, new_values ->> 'status'
             from public.audit_log where job_id = %L and table_name in ('shell_files', 'job_queue') order by id$$, :'job_id'),
  format($$values ('job_queue'::text, 'UPDATE'::text, 'system'::text, %1$L::uuid, 'completed'::text),
                  ('shell_files', 'UPDATE', 'clinical', %1$L::uuid, 'completed')$$, :'alice'),
  'audited: the job''s completion and the document''s, with patient and job');

create temp table jobs_before as select * from public.job_queue where id = :'job_id';
create temp table audit_before as select count(*) as n from public.audit_log;
select tests.authenticate_as_service_role();
select is(public.finish_shell_file_job(:'job_id', 'w1'), false, 'a second finish: false');
select tests.clear_authentication();
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from jobs_before', 'the job unchanged');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');
select is((select count(*)::integer from public.usage_events where job_id = :'job_id'), 1, 'usage still counted once');
select is((select ai_tokens_used from public.user_usage_tracking where profile_id = :'alice'), 1500::bigint, 'counters unchanged');

select * from finish();
rollback;
