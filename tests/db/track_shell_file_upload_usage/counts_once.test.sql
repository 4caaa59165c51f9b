-- An upload is counted once, with its size and pages read from shell_files: the first
-- call adds to the cycle's counters, writes one ledger row and one billing audit event;
-- a second call (by the same user or the service role) returns the same totals and
-- changes nothing. A second file adds to the same cycle row.
begin;
select plan(27);

select set_config('fix.alice', tests.create_user_with_profile('tsfu_once_alice')::text, true);
-- 3 MiB, 7 pages known (the estimate of 9 is ignored once the count is known).
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type,
                                file_size_bytes, page_count, estimated_pages)
values ('a0000000-0000-4000-8000-000000000001', current_setting('fix.alice')::uuid,
        current_setting('fix.alice') || '/one.pdf', 'one.pdf', 'application/pdf', 3145728, 7, 9);
-- 0.5 MiB, pages only estimated (4).
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type,
                                file_size_bytes, page_count, estimated_pages)
values ('a0000000-0000-4000-8000-000000000002', current_setting('fix.alice')::uuid,
        current_setting('fix.alice') || '/two.pdf', 'two.pdf', 'application/pdf', 524288, null, 4);

select has_function('public', 'track_shell_file_upload_usage', array['uuid', 'uuid'],
  'the only inputs are the profile and the shell file: no caller-supplied size or pages');

-- FIRST CALL, as the profile's owner
select tests.authenticate_as('tsfu_once_alice');
select set_config('fix.r1', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-000000000001')::text, true);
select tests.clear_authentication();

select is(current_setting('fix.r1')::jsonb -> 'recorded', 'true'::jsonb, 'the first call records the upload');
select is(current_setting('fix.r1')::jsonb -> 'reason', 'null'::jsonb, 'with no reason');
select is(current_setting('fix.r1')::jsonb #>> '{usage,shell_files_uploaded}', '1', 'one file counted');
select is(current_setting('fix.r1')::jsonb #>> '{usage,total_pages_processed}', '7', 'page_count (7) is used, not the estimate (9)');
select is((current_setting('fix.r1')::jsonb #>> '{usage,total_file_size_mb}')::numeric, 3::numeric, 'size is the stored 3 MiB');
select is(current_setting('fix.r1')::jsonb ->> 'profile_id', current_setting('fix.alice'), 'the status is the profile''s');

select results_eq(
  $$select shell_files_uploaded, total_pages_processed, total_file_size_mb, ai_tokens_used, plan_type,
           billing_cycle_start, billing_cycle_end
      from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid$$,
  $$values (1, 7, 3.000000::numeric(16, 6), 0::bigint, 'free'::text,
            date_trunc('month', now() at time zone 'UTC') at time zone 'UTC',
            (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC')$$,
  'one usage row for the current UTC month, free plan, with the file counted');
select results_eq(
  $$select event_type, shell_file_id, job_id, quantities from public.usage_events
     where profile_id = current_setting('fix.alice')::uuid$$,
  $$values ('shell_file_uploaded'::text, 'a0000000-0000-4000-8000-000000000001'::uuid, null::uuid,
            '{"file_size_bytes": 3145728, "file_size_mb": 3.000000, "pages": 7}'::jsonb)$$,
  'one ledger row with the quantities counted');
select results_eq(
  $$select a.table_name, a.record_id, a.operation, a.compliance_category, a.patient_id, a.job_id, a.actor_id, a.actor_role
      from public.audit_log a where a.patient_id = current_setting('fix.alice')::uuid$$,
  $$select 'usage_events'::text, e.id::text, 'INSERT'::text, 'billing'::text, e.profile_id, null::uuid,
           tests.get_supabase_uid('tsfu_once_alice'), 'authenticated'::text
      from public.usage_events e where e.profile_id = current_setting('fix.alice')::uuid$$,
  'one billing audit event for the ledger row, with the patient and the acting user');

-- SECOND CALL, same user: same totals, nothing written
select tests.authenticate_as('tsfu_once_alice');
select set_config('fix.r2', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-000000000001')::text, true);
select tests.clear_authentication();

select is(current_setting('fix.r2')::jsonb -> 'recorded', 'false'::jsonb, 'a second call records nothing');
select is(current_setting('fix.r2')::jsonb ->> 'reason', 'already_counted', 'and says it was already counted');
select is(current_setting('fix.r2')::jsonb -> 'usage', current_setting('fix.r1')::jsonb -> 'usage', 'and returns the same totals');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.alice')::uuid), 1::bigint, 'still one ledger row');
select is((select count(*) from public.audit_log where patient_id = current_setting('fix.alice')::uuid), 1::bigint, 'still one audit event');
select is((select shell_files_uploaded from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 1, 'still one file counted');

-- THIRD CALL, service role: still counted once
select tests.authenticate_as_service_role();
select set_config('fix.r3', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-000000000001')::text, true);
select tests.clear_authentication();
select is(current_setting('fix.r3')::jsonb ->> 'reason', 'already_counted', 'the service role cannot count it again either');
select is((select total_pages_processed from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 7, 'pages unchanged');

-- A SECOND FILE adds to the same cycle row
select tests.authenticate_as_service_role();
select set_config('fix.r4', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-000000000002')::text, true);
select tests.clear_authentication();
select is(current_setting('fix.r4')::jsonb -> 'recorded', 'true'::jsonb, 'a second file is recorded');
select is(current_setting('fix.r4')::jsonb #>> '{usage,shell_files_uploaded}', '2', 'two files');
select is(current_setting('fix.r4')::jsonb #>> '{usage,total_pages_processed}', '11', 'estimated_pages (4) used when page_count is unknown');
select is((current_setting('fix.r4')::jsonb #>> '{usage,total_file_size_mb}')::numeric, 3.5::numeric, '3 MiB + 0.5 MiB');
select is((select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 1::bigint, 'still one cycle row');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.alice')::uuid), 2::bigint, 'two ledger rows');
select is((select actor_role from public.audit_log where record_id =
            (select id::text from public.usage_events where shell_file_id = 'a0000000-0000-4000-8000-000000000002')),
  'service_role', 'the service role''s count is audited as the service role');

-- Changing the stored size afterwards does not re-count (the ledger holds what was counted).
update public.shell_files set file_size_bytes = 99999999, page_count = 99 where id = 'a0000000-0000-4000-8000-000000000001';
select tests.authenticate_as_service_role();
select set_config('fix.r5', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-000000000001')::text, true);
select tests.clear_authentication();
select is(current_setting('fix.r5')::jsonb -> 'usage', current_setting('fix.r4')::jsonb -> 'usage', 'a later change of the file does not change the totals');
select is(current_setting('fix.r5')::jsonb ->> 'reason', 'already_counted', 'already counted');

select * from finish();
rollback;
