-- Guards: every bad argument is refused with 22023 naming the parameter (never echoing the
-- path or file name); another person's profile with 42501; and none writes anything.
begin;
select plan(26);

select tests.create_user_with_profile('csfj_guard_alice') as alice \gset
select tests.create_user_with_profile('csfj_guard_bob') as bob \gset
select tests.get_supabase_uid('csfj_guard_alice') as alice_uid \gset
create temp table before_counts as
  select (select count(*) from public.shell_files) as files, (select count(*) from public.job_queue) as jobs,
         (select count(*) from public.usage_events) as usage, (select count(*) from public.audit_log) as audit;

-- call(user, profile, path, filename, mime, size, pages, key, tokens) as SQL text
create function pg_temp.call(p_user text, p_profile text, p_path text, p_name text, p_mime text, p_size bigint,
                             p_pages integer, p_key text, p_tokens integer) returns text language sql as $$
  select format('select * from public.create_shell_file_job(%L, %L, %L, %L, %L, %s, %s, %L, %s)',
                p_user, p_profile, p_path, p_name, p_mime, coalesce(p_size::text, 'null'),
                coalesce(p_pages::text, 'null'), p_key, coalesce(p_tokens::text, 'null'))
$$;
grant execute on function pg_temp.call(text, text, text, text, text, bigint, integer, text, integer) to service_role;

select tests.authenticate_as_service_role();
select throws_ok(pg_temp.call(null, :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_user_id must not be null', 'null user');
select throws_ok(pg_temp.call(:'alice_uid', null, :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_profile_id must not be null', 'null profile');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, 'short', 1),
  '22023', 'create_shell_file_job: p_idempotency_key must be 8 to 200 characters', 'key too short');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, repeat('k', 201), 1),
  '22023', 'create_shell_file_job: p_idempotency_key must be 8 to 200 characters', 'key too long');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, null, 1),
  '22023', 'create_shell_file_job: p_idempotency_key must be 8 to 200 characters', 'no key');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', null, null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must be 3 to 1024 characters', 'no path');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.gif', null, 'image/gif', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_mime_type must be one of application/pdf, image/png, image/jpeg, image/tiff', 'a mime type outside the allow-list');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'APPLICATION/PDF', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_mime_type must be one of application/pdf, image/png, image/jpeg, image/tiff', 'the allow-list is exact');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 0, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_file_size_bytes must be between 1 and 52428800', 'an empty file');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 52428801, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_file_size_bytes must be between 1 and 52428800', 'one byte over 50 MiB');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', null, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_file_size_bytes must be between 1 and 52428800', 'no size');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 0, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_estimated_pages must be between 1 and 100000', 'zero pages');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', -1),
  '22023', 'create_shell_file_job: p_estimated_tokens must be a non-negative integer', 'negative tokens');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/a.pdf', repeat('n', 256), 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_original_filename must be at most 255 characters', 'a file name too long');

-- Access, then the folder.
select throws_ok(pg_temp.call(:'alice_uid', :'bob', :'bob' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '42501', 'create_shell_file_job: no access to this profile', 'alice for bob''s profile: refused');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'bob' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must be inside the profile''s folder (<p_profile_id>/...)',
  'alice''s profile, but a file in bob''s folder');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', 'a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must be inside the profile''s folder (<p_profile_id>/...)', 'no folder');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must be inside the profile''s folder (<p_profile_id>/...)', 'the folder itself');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', 'x' || :'alice' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must be inside the profile''s folder (<p_profile_id>/...)', 'a folder that only contains the id');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/../' || :'bob' || '/a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters', 'a ".." segment');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '//a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters', 'an empty segment');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/./a.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters', 'a "." segment');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || '/dir/', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters', 'a folder, not an object');
select throws_ok(pg_temp.call(:'alice_uid', :'alice', :'alice' || E'/a\n.pdf', null, 'application/pdf', 10, 1, 'csfj-guard-01', 1),
  '22023', 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters', 'a control character');
select tests.clear_authentication();

select results_eq(
  $$select (select count(*) from public.shell_files), (select count(*) from public.job_queue),
           (select count(*) from public.usage_events), (select count(*) from public.audit_log)$$,
  $$select files, jobs, usage, audit from before_counts$$,
  'no refusal wrote a shell file, a job, a usage event or an audit event');
select ok(not exists (select 1 from public.shell_files where idempotency_key = 'csfj-guard-01'), 'the key is still free');

select * from finish();
rollback;
