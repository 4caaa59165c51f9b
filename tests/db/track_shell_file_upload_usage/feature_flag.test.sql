-- features.usage_tracking off: the upload is checked as usual but nothing is recorded,
-- and the result says so. Turned back on, the same upload is counted (once).
begin;
select plan(9);

select set_config('fix.alice', tests.create_user_with_profile('tsfu_flag_alice')::text, true);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
values ('a0000000-0000-4000-8000-0000000000f1', current_setting('fix.alice')::uuid,
        current_setting('fix.alice') || '/f.pdf', 'f.pdf', 'application/pdf', 2097152, 3);

update public.system_configuration set config_value = 'false' where config_key = 'features.usage_tracking';

select tests.authenticate_as('tsfu_flag_alice');
select set_config('fix.off', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000f1')::text, true);
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), extensions.gen_random_uuid()),
  'P0002', 'track_shell_file_upload_usage: shell file not found for this profile', 'with tracking off, a bad call is still refused');
select tests.clear_authentication();

select is(current_setting('fix.off')::jsonb -> 'recorded', 'false'::jsonb, 'tracking off: nothing recorded');
select is(current_setting('fix.off')::jsonb ->> 'reason', 'usage_tracking_disabled', 'and the reason says why');
select is(current_setting('fix.off')::jsonb -> 'usage_tracking_enabled', 'false'::jsonb, 'the status shows the flag off');
select is(current_setting('fix.off')::jsonb #>> '{usage,shell_files_uploaded}', '0', 'totals untouched');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.alice')::uuid)
        + (select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid)
        + (select count(*) from public.audit_log where patient_id = current_setting('fix.alice')::uuid),
  0::bigint, 'no ledger row, usage row or audit event');

update public.system_configuration set config_value = 'true' where config_key = 'features.usage_tracking';
select tests.authenticate_as('tsfu_flag_alice');
select set_config('fix.on', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000f1')::text, true);
select tests.clear_authentication();
select is(current_setting('fix.on')::jsonb -> 'recorded', 'true'::jsonb, 'tracking on again: the upload is counted');
select is(current_setting('fix.on')::jsonb #>> '{usage,shell_files_uploaded}', '1', 'once');

-- A missing flag row means the default (on).
delete from public.system_configuration where config_key = 'features.usage_tracking';
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
values ('a0000000-0000-4000-8000-0000000000f2', current_setting('fix.alice')::uuid,
        current_setting('fix.alice') || '/g.pdf', 'g.pdf', 'application/pdf', 1048576, 1);
select tests.authenticate_as_service_role();
select set_config('fix.default', public.track_shell_file_upload_usage(
  current_setting('fix.alice')::uuid, 'a0000000-0000-4000-8000-0000000000f2')::text, true);
select tests.clear_authentication();
select is(current_setting('fix.default')::jsonb -> 'recorded', 'true'::jsonb, 'no flag row: tracking is on by default');

select * from finish();
rollback;
