-- RLS on public.shell_files: a user reads the rows of the profiles they can access (own, or
-- through an active grant) and nothing else; users write nothing (only the service role
-- writes); anon reads nothing. Same shape as the other profile-scoped tables' RLS tests.
begin;
select plan(15);

-- FIXTURES: alice and bob, a carer with an active grant to alice's profile, a former carer
-- whose grant was revoked; one row for each of alice and bob.
select set_config('fix.alice', tests.create_user_with_profile('rls_shell_files_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('rls_shell_files_bob')::text, true);
select tests.create_supabase_user('rls_shell_files_carer');
select tests.create_supabase_user('rls_shell_files_former');
insert into public.profile_access_grants (profile_id, grantee_id, access_level, revoked_at)
values (current_setting('fix.alice')::uuid, tests.get_supabase_uid('rls_shell_files_carer'), 'read', null),
       (current_setting('fix.alice')::uuid, tests.get_supabase_uid('rls_shell_files_former'), 'full', now());
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes)
values ('f0000000-0000-4000-8000-00000000000a', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/a.pdf', 'a.pdf', 'application/pdf', 10),
       ('f0000000-0000-4000-8000-00000000000b', current_setting('fix.bob')::uuid, current_setting('fix.bob') || '/b.pdf', 'b.pdf', 'application/pdf', 10);

select ok((select relrowsecurity from pg_class where oid = 'public.shell_files'::regclass), 'RLS is enabled on shell_files');
select policies_are('public', 'shell_files', array['shell_files_select'], 'one policy: select (users never write)');

-- ALICE: her row, never bob's
select tests.authenticate_as('rls_shell_files_alice');
select results_eq(
  $$select patient_id from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)$$,
  $$values (current_setting('fix.alice')::uuid)$$,
  'alice reads her own row and not bob''s');
select is_empty($$select 1 from public.shell_files where patient_id = current_setting('fix.bob')::uuid$$,
  'asking for bob''s rows by id returns nothing');
select throws_ok(format($$insert into public.shell_files (patient_id, storage_path, original_filename, mime_type, file_size_bytes) values (%L, %L, 'x.pdf', 'application/pdf', 1)$$, current_setting('fix.bob'), current_setting('fix.bob') || '/forged.pdf'),
  '42501', 'permission denied for table shell_files', 'alice cannot insert into shell_files for bob''s profile');
select throws_ok(format($$insert into public.shell_files (patient_id, storage_path, original_filename, mime_type, file_size_bytes) values (%L, %L, 'x.pdf', 'application/pdf', 1)$$, current_setting('fix.alice'), current_setting('fix.alice') || '/forged.pdf'),
  '42501', 'permission denied for table shell_files', 'nor for her own (only the service role writes)');
select throws_ok($$update public.shell_files set status = 'failed' where patient_id = current_setting('fix.bob')::uuid$$,
  '42501', 'permission denied for table shell_files', 'alice cannot update bob''s rows');
select throws_ok($$delete from public.shell_files where patient_id = current_setting('fix.bob')::uuid$$,
  '42501', 'permission denied for table shell_files', 'alice cannot delete bob''s rows');
select tests.clear_authentication();

-- BOB: only his
select tests.authenticate_as('rls_shell_files_bob');
select results_eq(
  $$select patient_id from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)$$,
  $$values (current_setting('fix.bob')::uuid)$$,
  'bob reads only his row');
select tests.clear_authentication();

-- GRANTS: active yes, revoked no
select tests.authenticate_as('rls_shell_files_carer');
select results_eq(
  $$select patient_id from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)$$,
  $$values (current_setting('fix.alice')::uuid)$$,
  'a carer with an active grant reads alice''s row (not bob''s)');
select tests.clear_authentication();
select tests.authenticate_as('rls_shell_files_former');
select is_empty($$select 1 from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)$$,
  'a former carer (grant revoked) reads nothing');
select tests.clear_authentication();

-- ANON: nothing at all
select tests.authenticate_as_anon();
select throws_ok($$select * from public.shell_files$$, '42501', 'permission denied for table shell_files', 'anon cannot read shell_files');
select tests.clear_authentication();

-- SERVICE ROLE: everything
select tests.authenticate_as_service_role();
select is((select count(*) from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  2::bigint, 'the service role reads both rows');
select tests.clear_authentication();

-- Nothing the users tried changed anything.
select is((select count(*) from public.shell_files where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  2::bigint, 'still exactly the two fixture rows');
select ok(not has_table_privilege('authenticated', 'public.shell_files', 'insert, update, delete, truncate'),
  'authenticated holds no write privilege on shell_files');

select * from finish();
rollback;
