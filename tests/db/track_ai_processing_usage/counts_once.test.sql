-- A job's AI usage is counted once: tokens, seconds and one job added to the cycle's
-- counters (the row created if the cycle has none: the v5 plan's missing INSERT), one
-- ledger row, one billing audit event carrying the job id. A second call, even with
-- other numbers, changes nothing and returns the same totals.
begin;
select plan(16);

select set_config('fix.alice', tests.create_user_with_profile('taiu_once_alice')::text, true);
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id)
values ('b0000000-0000-4000-8000-000000000001', 'ai_processing', 'standard', 'pass 1', '{}', current_setting('fix.alice')::uuid),
       ('b0000000-0000-4000-8000-000000000002', 'ai_processing', 'standard', 'pass 2', '{}', current_setting('fix.alice')::uuid);

select is((select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 0::bigint,
  'the profile has no usage row yet');

select tests.authenticate_as_service_role();
select set_config('fix.r1', public.track_ai_processing_usage(
  current_setting('fix.alice')::uuid, 'b0000000-0000-4000-8000-000000000001', 1500, 42)::text, true);
select tests.clear_authentication();

select is(current_setting('fix.r1')::jsonb -> 'recorded', 'true'::jsonb, 'the first call records');
select is(current_setting('fix.r1')::jsonb -> 'usage',
  '{"shell_files_uploaded": 0, "total_pages_processed": 0, "total_file_size_mb": 0, "ai_tokens_used": 1500, "ai_processing_jobs": 1, "ai_processing_seconds": 42}'::jsonb,
  'tokens, one job and seconds counted; upload counters untouched');
select results_eq(
  $$select ai_tokens_used, ai_processing_jobs, ai_processing_seconds, plan_type
      from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid$$,
  $$values (1500::bigint, 1, 42::bigint, 'free'::text)$$,
  'the cycle row was created with the counts');
select results_eq(
  $$select event_type, job_id, shell_file_id, quantities from public.usage_events where profile_id = current_setting('fix.alice')::uuid$$,
  $$values ('ai_processing_completed'::text, 'b0000000-0000-4000-8000-000000000001'::uuid, null::uuid,
            '{"tokens_used": 1500, "processing_seconds": 42}'::jsonb)$$,
  'one ledger row');
select results_eq(
  $$select table_name, operation, compliance_category, patient_id, job_id, actor_role from public.audit_log
     where patient_id = current_setting('fix.alice')::uuid$$,
  $$values ('usage_events'::text, 'INSERT'::text, 'billing'::text, current_setting('fix.alice')::uuid,
            'b0000000-0000-4000-8000-000000000001'::uuid, 'service_role'::text)$$,
  'one billing audit event with the patient and the job');

-- SAME JOB AGAIN, with other numbers
select tests.authenticate_as_service_role();
select set_config('fix.r2', public.track_ai_processing_usage(
  current_setting('fix.alice')::uuid, 'b0000000-0000-4000-8000-000000000001', 9999, 999)::text, true);
select tests.clear_authentication();
select is(current_setting('fix.r2')::jsonb -> 'recorded', 'false'::jsonb, 'the same job is not counted twice');
select is(current_setting('fix.r2')::jsonb ->> 'reason', 'already_counted', 'and the result says so');
select is(current_setting('fix.r2')::jsonb -> 'usage', current_setting('fix.r1')::jsonb -> 'usage', 'same totals');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.alice')::uuid), 1::bigint, 'one ledger row');
select is((select count(*) from public.audit_log where patient_id = current_setting('fix.alice')::uuid), 1::bigint, 'one audit event');

-- ANOTHER JOB adds to the same row; zero is a valid amount.
select tests.authenticate_as_service_role();
select set_config('fix.r3', public.track_ai_processing_usage(
  current_setting('fix.alice')::uuid, 'b0000000-0000-4000-8000-000000000002', 0, 0)::text, true);
select tests.clear_authentication();
select is(current_setting('fix.r3')::jsonb -> 'recorded', 'true'::jsonb, 'a second job is recorded (zero tokens is valid)');
select is(current_setting('fix.r3')::jsonb #>> '{usage,ai_processing_jobs}', '2', 'two jobs');
select is(current_setting('fix.r3')::jsonb #>> '{usage,ai_tokens_used}', '1500', 'tokens unchanged by a zero');
select is((select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 1::bigint, 'one cycle row');

-- The job's status does not matter: tokens spent on a failed job were still spent.
update public.job_queue set status = 'failed' where id = 'b0000000-0000-4000-8000-000000000002';
select is((select count(*) from public.usage_events where job_id = 'b0000000-0000-4000-8000-000000000002'), 1::bigint,
  'the ledger keeps the job''s row');

select * from finish();
rollback;
