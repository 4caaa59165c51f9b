-- Every error names what is wrong, with its SQLSTATE, and writes nothing: null
-- arguments (22023), a file that is not this profile's, whether it exists for someone
-- else or not at all (P0002, same message), and a profile the caller cannot access (42501).
begin;
select plan(11);

select set_config('fix.alice', tests.create_user_with_profile('tsfu_err_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('tsfu_err_bob')::text, true);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
values ('a0000000-0000-4000-8000-0000000000a1', current_setting('fix.alice')::uuid,
        current_setting('fix.alice') || '/a.pdf', 'a.pdf', 'application/pdf', 1048576, 2),
       ('a0000000-0000-4000-8000-0000000000b1', current_setting('fix.bob')::uuid,
        current_setting('fix.bob') || '/b.pdf', 'b.pdf', 'application/pdf', 1048576, 2);

select tests.authenticate_as('tsfu_err_alice');
select throws_ok(
  $$select public.track_shell_file_upload_usage(null, 'a0000000-0000-4000-8000-0000000000a1')$$,
  '22023', 'track_shell_file_upload_usage: p_profile_id must not be null', 'a null profile is refused');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, null)', current_setting('fix.alice')),
  '22023', 'track_shell_file_upload_usage: p_shell_file_id must not be null', 'a null shell file is refused');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000b1'),
  'P0002', 'track_shell_file_upload_usage: shell file not found for this profile',
  'another profile''s file, named with my profile: not found');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), extensions.gen_random_uuid()),
  'P0002', 'track_shell_file_upload_usage: shell file not found for this profile',
  'a file that does not exist: the same message (existence is not revealed)');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.bob'), 'a0000000-0000-4000-8000-0000000000b1'),
  '42501', 'track_shell_file_upload_usage: no access to this profile', 'another person''s profile is refused');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', extensions.gen_random_uuid(), 'a0000000-0000-4000-8000-0000000000b1'),
  '42501', 'track_shell_file_upload_usage: no access to this profile', 'an unknown profile is refused the same way');
select tests.clear_authentication();

-- The service role passes the access check but not the ownership check.
select tests.authenticate_as_service_role();
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000b1'),
  'P0002', 'track_shell_file_upload_usage: shell file not found for this profile',
  'service role: a file of another profile is not counted against this one');
select tests.clear_authentication();

select is((select count(*) from public.usage_events where profile_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no ledger row written');
select is((select count(*) from public.user_usage_tracking where profile_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no usage row written');
select is((select count(*) from public.audit_log where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no audit event written');
select is((select count(*) from public.usage_events where shell_file_id = 'a0000000-0000-4000-8000-0000000000b1'),
  0::bigint, 'bob''s file was not counted anywhere');

select * from finish();
rollback;
