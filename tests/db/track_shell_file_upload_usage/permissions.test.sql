-- Who may call it: anon no (no EXECUTE); a user for a profile they own or hold an
-- active grant to; not for another person's profile, nor with a revoked or expired grant;
-- the service role for any profile. PUBLIC holds no EXECUTE.
begin;
select plan(10);

select set_config('fix.alice', tests.create_user_with_profile('tsfu_perm_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('tsfu_perm_bob')::text, true);
select tests.create_supabase_user('tsfu_perm_carer');
select tests.create_supabase_user('tsfu_perm_former');
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
values ('a0000000-0000-4000-8000-0000000000d1', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/1.pdf', '1.pdf', 'application/pdf', 10, 1),
       ('a0000000-0000-4000-8000-0000000000d2', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/2.pdf', '2.pdf', 'application/pdf', 10, 1),
       ('a0000000-0000-4000-8000-0000000000d3', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/3.pdf', '3.pdf', 'application/pdf', 10, 1);
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at)
values (current_setting('fix.alice')::uuid, tests.get_supabase_uid('tsfu_perm_carer'), 'write', null),
       (current_setting('fix.alice')::uuid, tests.get_supabase_uid('tsfu_perm_former'), 'write', now() - interval '1 day');

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.track_shell_file_upload_usage(uuid, uuid)'::regprocedure and a.grantee = 0),
  'PUBLIC cannot execute it');

select tests.authenticate_as_anon();
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d1'),
  '42501', 'permission denied for function track_shell_file_upload_usage', 'anon: no EXECUTE');

select tests.clear_authentication();
select tests.authenticate_as('tsfu_perm_alice');
select lives_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d1'),
  'the owner counts an upload of their profile');

select tests.clear_authentication();
select tests.authenticate_as('tsfu_perm_bob');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d2'),
  '42501', 'track_shell_file_upload_usage: no access to this profile', 'another person: refused');

select tests.clear_authentication();
select tests.authenticate_as('tsfu_perm_carer');
select lives_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d2'),
  'a holder of an active grant: allowed');

select tests.clear_authentication();
select tests.authenticate_as('tsfu_perm_former');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d3'),
  '42501', 'track_shell_file_upload_usage: no access to this profile', 'a revoked grant: refused');
select tests.clear_authentication();

-- The carer's grant expires.
update public.profile_access_grants set expires_at = now() - interval '1 second'
 where grantee_id = tests.get_supabase_uid('tsfu_perm_carer');
select tests.authenticate_as('tsfu_perm_carer');
select throws_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d3'),
  '42501', 'track_shell_file_upload_usage: no access to this profile', 'an expired grant: refused');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select lives_ok(
  format('select public.track_shell_file_upload_usage(%L, %L)', current_setting('fix.alice'), 'a0000000-0000-4000-8000-0000000000d3'),
  'service_role: allowed for any profile');
select tests.clear_authentication();

select is((select shell_files_uploaded from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid),
  3, 'exactly the three allowed calls were counted');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.bob')::uuid), 0::bigint,
  'nothing was counted for bob');

select * from finish();
rollback;
