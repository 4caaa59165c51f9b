-- pgTAP fixtures, installed into the test database by the test command (never a
-- migration): users, acting as anon / a user / service_role, and back.
-- Invoker functions on purpose: SET ROLE is refused inside SECURITY DEFINER.

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A user in auth.users, found again later by its identifier.
create or replace function tests.create_supabase_user(p_identifier text, p_email text default null)
returns uuid
language plpgsql
as $$
declare
  v_id uuid;
begin
  insert into auth.users (email, raw_user_meta_data)
  values (coalesce(p_email, p_identifier || '-' || extensions.gen_random_uuid() || '@example.test'),
          jsonb_build_object('test_identifier', p_identifier))
  returning id into v_id;
  return v_id;
end
$$;

create or replace function tests.get_supabase_uid(p_identifier text)
returns uuid
language sql
stable
as $$
  select u.id from auth.users u
   where u.raw_user_meta_data ->> 'test_identifier' = p_identifier
   order by u.created_at desc
   limit 1
$$;

-- A user and their 'self' profile; returns the profile id.
create or replace function tests.create_user_with_profile(p_identifier text, p_profile_type text default 'self')
returns uuid
language plpgsql
as $$
declare
  v_user uuid := coalesce(tests.get_supabase_uid(p_identifier), tests.create_supabase_user(p_identifier));
  v_profile uuid;
begin
  insert into public.user_profiles (account_owner_id, profile_type, display_name)
  values (v_user, p_profile_type, p_identifier || ' ' || p_profile_type)
  returning id into v_profile;
  return v_profile;
end
$$;

create or replace function tests.authenticate_as(p_identifier text)
returns void
language plpgsql
as $$
declare
  v_id uuid := tests.get_supabase_uid(p_identifier);
begin
  if v_id is null then
    raise exception 'tests.authenticate_as: no test user "%"', p_identifier;
  end if;
  perform set_config('role', 'authenticated', true);
  perform set_config('request.jwt.claims',
    jsonb_build_object('sub', v_id, 'role', 'authenticated', 'aud', 'authenticated')::text, true);
end
$$;

create or replace function tests.authenticate_as_service_role()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'service_role', true);
  perform set_config('request.jwt.claims', '{"role": "service_role"}', true);
end
$$;

create or replace function tests.authenticate_as_anon()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'anon', true);
  perform set_config('request.jwt.claims', '{"role": "anon"}', true);
end
$$;

-- Back to postgres (the test's own role), with no claims.
create or replace function tests.clear_authentication()
returns void
language plpgsql
as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- PIPELINE (20261122000950_pipeline): a shell file and its shell_file_processing job, held by
-- p_worker_id (processing, heartbeat now), as claim_next_job_v3 leaves it. p_job_result is
-- the checkpointed progress to start from (null = a fresh job); with a page_count in it the
-- shell file is 'processing' with that page count, else 'queued'. Rows are inserted directly,
-- so no RPC under test runs to build the fixture. Returns the job's and the file's ids.
create or replace function tests.create_processing_job(
  p_profile_id uuid,
  p_worker_id text default 'w1',
  p_job_result jsonb default null
)
returns table (job_id uuid, shell_file_id uuid)
language plpgsql
as $$
declare
  v_file uuid := extensions.gen_random_uuid();
  v_job uuid := extensions.gen_random_uuid();
  v_pages integer := (p_job_result ->> 'page_count')::integer;
begin
  insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes,
                                  estimated_pages, page_count, status, idempotency_key, processing_started_at)
  values (v_file, p_profile_id, p_profile_id || '/' || v_file || '.pdf', 'fixture.pdf', 'application/pdf', 1000,
          coalesce(v_pages, 1), v_pages, case when v_pages is null then 'queued' else 'processing' end,
          'fixture-' || v_file, case when v_pages is null then null else now() end);
  insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at,
                                started_at, job_result, patient_id, shell_file_id)
  values (v_job, 'shell_file_processing', 'standard', 'fixture ' || v_file,
          jsonb_build_object('shell_file_id', v_file, 'patient_id', p_profile_id, 'storage_bucket', 'medical-docs',
                             'storage_path', p_profile_id || '/' || v_file || '.pdf', 'mime_type', 'application/pdf'),
          'processing', p_worker_id, now(), now(), p_job_result, p_profile_id, v_file);
  update public.shell_files set processing_job_id = v_job where id = v_file;
  return query select v_job, v_file;
end
$$;

grant execute on function tests.create_processing_job(uuid, text, jsonb) to anon, authenticated, service_role;
