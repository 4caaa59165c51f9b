-- =============================================================================
-- 1100 HARDENING (issue 5, "Security"): what the security tests found, fixed.
-- Each item names the test that shows it (tests/stack/security_*.test.ts,
-- tests/stack/bad_input_property.test.ts, tests/db/...).
--
--   1. has_profile_access: a signed-in caller asks only about themselves. It answered any
--      (user, profile) pair, so user A could learn who owns or was granted B's profile.
--   2. get_processing_status, track_shell_file_upload_usage: "not found" reaches callers
--      through PostgREST as HTTP 404 (code P0002) through private.raise_not_found. PostgREST
--      maps a plain P0002 to 500, so every poll of another's or a made-up file was a 5xx.
--      SQL callers still get SQLSTATE P0002 with the same message.
--   3. create_shell_file_job: a name ending in ".." inside the path ("a../b.pdf", "..."),
--      which Storage accepts, is refused with 22023. It broke shell_files' CHECK (23514),
--      which the intake answered with a 500.
--   4. create_shell_file_job: idempotency keys belong to the submitting user (unique on
--      uploaded_by, idempotency_key). Global keys let user A take the key B's app derives for
--      B's next upload (sha256 of the path in the demo app): B's upload was then refused, and
--      A's 409 told A that B had submitted that file.
--   5. log_audit_events: with an actor, every job_id must be a job of a patient the actor can
--      access. A job id without a patient id let a user write events into another patient's
--      job history.
--   6. user_profiles: clients cannot choose or change a profile's id (column privileges). A
--      duplicate-key error (409) told a user whether a guessed id is someone's profile.
--   7. profile_access_grants: clients cannot set granted_by (nor id); the database records the
--      granting user (default auth.uid()). A user could name someone else as the grantor.
--
-- Functions are replaced whole (create or replace, same signatures, same grants); the rest is
-- guarded so that re-running the file on a migrated database changes nothing.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs (review 000). One error naming everything missing.
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
  v_name text;
begin
  foreach v_name in array array[
    'public.user_profiles', 'public.profile_access_grants', 'public.shell_files', 'public.job_queue',
    'public.audit_log', 'public.usage_events', 'public.system_configuration'
  ] loop
    if to_regclass(v_name) is null then
      v_missing := v_missing || ('table ' || v_name);
    end if;
  end loop;
  foreach v_name in array array[
    'public.has_profile_access(uuid, uuid)',
    'public.is_service_role()',
    'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)',
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)',
    'public.track_shell_file_upload_usage(uuid, uuid)',
    'public.get_processing_status(uuid)',
    'public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer)',
    'public.log_audit_events(uuid, jsonb)',
    'private.config_bool(text, boolean)',
    'private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint)',
    'private.usage_status(uuid)',
    'auth.uid()',
    'auth.role()'
  ] loop
    if to_regprocedure(v_name) is null then
      v_missing := v_missing || ('function ' || v_name);
    end if;
  end loop;
  if cardinality(v_missing) > 0 then
    raise exception '20261122001100_hardening: missing dependencies: %', array_to_string(v_missing, '; ')
      using hint = 'Apply migrations 0100-0950 first.';
  end if;
end
$$;

-- =============================================================================
-- 1. has_profile_access: about oneself only, for a signed-in caller
-- =============================================================================
create or replace function public.has_profile_access(p_user_id uuid, p_profile_id uuid)
returns boolean
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select p_user_id is not null and p_profile_id is not null
    -- GUARD: an end user's request (JWT role anon or authenticated: RLS policies, Storage, the
    -- user RPCs) asks about auth.uid() only. The service role and sessions without claims
    -- (migrations, pg_cron, the SQL editor) ask about anyone.
    and (coalesce(p_user_id = auth.uid(), false) or coalesce(auth.role(), '') not in ('anon', 'authenticated'))
    and (
      exists (
        select 1 from public.user_profiles p
         where p.id = p_profile_id and p.account_owner_id = p_user_id
      )
      or exists (
        select 1 from public.profile_access_grants g
         where g.profile_id = p_profile_id
           and g.grantee_id = p_user_id
           and g.revoked_at is null
           and (g.expires_at is null or g.expires_at > now())
      )
    )
$$;
comment on function public.has_profile_access(uuid, uuid) is
  'True when the user owns the profile or holds an unrevoked, unexpired grant to it. Used by RLS policies; callable by authenticated and service_role. A caller with JWT role anon or authenticated gets an answer about itself only (p_user_id = auth.uid()); about anyone else it is false.';
revoke all on function public.has_profile_access(uuid, uuid) from public, anon, authenticated;
grant execute on function public.has_profile_access(uuid, uuid) to authenticated, service_role;

-- =============================================================================
-- 2. "not found" as PostgREST callers need it
-- =============================================================================
-- PostgREST sets request.method for every request it runs; nothing else does. Through it, a
-- raise with SQLSTATE 'PGRST' carries the answer's status and body (PostgREST 11.2+), so the
-- caller gets 404 {"code": "P0002", "message": ...}; a plain P0002 would be a 500 there.
create or replace function private.raise_not_found(p_message text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if coalesce(current_setting('request.method', true), '') <> '' then
    raise sqlstate 'PGRST' using
      message = jsonb_build_object('code', 'P0002', 'message', p_message, 'details', null, 'hint', null)::text,
      detail = jsonb_build_object('status', 404, 'headers', jsonb_build_object())::text;
  end if;
  raise exception '%', p_message using errcode = 'P0002';
end
$$;
comment on function private.raise_not_found(text) is
  'Raises "not found": SQLSTATE P0002 with p_message; inside a PostgREST request (request.method set) SQLSTATE PGRST carrying HTTP 404 and the body {"code": "P0002", "message": p_message}, since PostgREST answers a plain P0002 with 500. Never returns. Internal; no client grants.';
revoke all on function private.raise_not_found(text) from public, anon, authenticated;

create or replace function public.get_processing_status(p_shell_file_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_file record;
  v_progress jsonb;
begin
  -- GUARD
  if p_shell_file_id is null then
    raise exception 'get_processing_status: p_shell_file_id must not be null' using errcode = '22023';
  end if;

  select f.id, f.patient_id, f.status, f.page_count, f.processing_error, q.job_result
    into v_file
    from public.shell_files f
    left join public.job_queue q on q.id = f.processing_job_id
   where f.id = p_shell_file_id;
  -- A file the caller cannot access is "not found": whether it exists is not revealed.
  if not found or not (public.is_service_role() or public.has_profile_access(auth.uid(), v_file.patient_id)) then
    perform private.raise_not_found('get_processing_status: shell file not found');
  end if;

  v_progress := case when jsonb_typeof(v_file.job_result) = 'object' then v_file.job_result else '{}'::jsonb end;
  return jsonb_build_object(
    'shell_file_id', v_file.id,
    'status', v_file.status,
    'page_count', coalesce(v_file.page_count,
                           case when jsonb_typeof(v_progress -> 'page_count') = 'number'
                                then (v_progress ->> 'page_count')::integer end),
    'text_done', case when jsonb_typeof(v_progress -> 'text_done') = 'number'
                      then (v_progress ->> 'text_done')::integer else 0 end,
    'pass1_done', case when jsonb_typeof(v_progress -> 'pass1_done') = 'number'
                       then (v_progress ->> 'pass1_done')::integer else 0 end,
    'pass2_done', case when jsonb_typeof(v_progress -> 'pass2_done') = 'number'
                       then (v_progress ->> 'pass2_done')::integer else 0 end,
    'narrative_done', coalesce(v_progress -> 'narrative_done' = 'true'::jsonb, false),
    'error', v_file.processing_error);
end
$$;
comment on function public.get_processing_status(uuid) is
  'A shell file''s processing status: {shell_file_id, status, page_count (null until inspected), text_done, pass1_done, pass2_done (0 until started), narrative_done, error (the user-safe processing_error, or null)}. Callable by authenticated (a profile they can access) and service_role. Raises 22023 (null p_shell_file_id), P0002 "shell file not found" (unknown, or not accessible to the caller: existence is not revealed; through PostgREST an HTTP 404 with code P0002).';
revoke all on function public.get_processing_status(uuid) from public, anon, authenticated;
grant execute on function public.get_processing_status(uuid) to authenticated, service_role;

create or replace function public.track_shell_file_upload_usage(p_profile_id uuid, p_shell_file_id uuid)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_file_size_bytes bigint;
  v_pages integer;
  v_size_mb numeric;
  v_event_id uuid;
begin
  -- GUARD: arguments, then access.
  if p_profile_id is null then
    raise exception 'track_shell_file_upload_usage: p_profile_id must not be null' using errcode = '22023';
  end if;
  if p_shell_file_id is null then
    raise exception 'track_shell_file_upload_usage: p_shell_file_id must not be null' using errcode = '22023';
  end if;
  if not (public.is_service_role() or public.has_profile_access(auth.uid(), p_profile_id)) then
    raise exception 'track_shell_file_upload_usage: no access to this profile' using errcode = '42501';
  end if;

  -- SOURCE OF TRUTH: size and pages from shell_files, never from the caller. A file
  -- of another profile is "not found" (whether it exists is not revealed).
  select s.file_size_bytes, coalesce(s.page_count, s.estimated_pages, 1)
    into v_file_size_bytes, v_pages
    from public.shell_files s
   where s.id = p_shell_file_id and s.patient_id = p_profile_id;
  if not found then
    perform private.raise_not_found('track_shell_file_upload_usage: shell file not found for this profile');
  end if;

  -- FEATURE FLAG: off = record nothing, and say so.
  if not private.config_bool('features.usage_tracking', true) then
    return private.usage_status(p_profile_id)
           || jsonb_build_object('recorded', false, 'reason', 'usage_tracking_disabled');
  end if;

  -- ONCE PER FILE: the ledger's unique key decides, even between racing callers.
  v_size_mb := round(v_file_size_bytes::numeric / 1048576, 6);
  insert into public.usage_events (profile_id, event_type, shell_file_id, quantities)
  values (p_profile_id, 'shell_file_uploaded', p_shell_file_id,
          jsonb_build_object('file_size_bytes', v_file_size_bytes, 'file_size_mb', v_size_mb, 'pages', v_pages))
  on conflict (event_type, shell_file_id) do nothing
  returning id into v_event_id;
  if v_event_id is null then
    return private.usage_status(p_profile_id)
           || jsonb_build_object('recorded', false, 'reason', 'already_counted');
  end if;

  -- COUNT + AUDIT
  perform private.add_usage(p_profile_id, 1, v_pages, v_size_mb, 0, 0, 0);
  perform public.log_audit_event(
    'usage_events', v_event_id::text, 'INSERT', null,
    jsonb_build_object('event_type', 'shell_file_uploaded', 'shell_file_id', p_shell_file_id,
                       'file_size_mb', v_size_mb, 'pages', v_pages),
    'shell file upload counted', 'billing', p_profile_id, null);

  return private.usage_status(p_profile_id) || jsonb_build_object('recorded', true, 'reason', null);
end
$$;
comment on function public.track_shell_file_upload_usage(uuid, uuid) is
  'Counts one uploaded shell file (size and pages read from shell_files: page_count, else estimated_pages, else 1) against the profile''s current billing cycle, once per file; returns the usage status plus recorded (bool) and reason (null, already_counted, usage_tracking_disabled). Callable by authenticated (a profile they can access) and service_role. Raises 22023 (null argument), 42501 (no access to this profile), P0002 (shell file not found for this profile; through PostgREST an HTTP 404 with code P0002).';
revoke all on function public.track_shell_file_upload_usage(uuid, uuid) from public, anon, authenticated;
grant execute on function public.track_shell_file_upload_usage(uuid, uuid) to authenticated, service_role;

-- =============================================================================
-- 3 + 4. create_shell_file_job: "../" refused; idempotency keys per submitting user
-- =============================================================================
-- The key's unique constraint keeps its name (20261122000900_verify checks that
-- shell_files_idempotency_key_key exists) and gains the submitter: (uploaded_by, idempotency_key).
-- Rows whose uploader was deleted (uploaded_by null) no longer collide with anyone.
do $$
begin
  if exists (select 1 from pg_catalog.pg_constraint c
              where c.conrelid = 'public.shell_files'::regclass
                and c.conname = 'shell_files_idempotency_key_key'
                and c.conkey = array[(select a.attnum from pg_catalog.pg_attribute a
                                       where a.attrelid = 'public.shell_files'::regclass
                                         and a.attname = 'idempotency_key')]::smallint[]) then
    alter table public.shell_files drop constraint shell_files_idempotency_key_key;
  end if;
  if not exists (select 1 from pg_catalog.pg_constraint c
                  where c.conrelid = 'public.shell_files'::regclass
                    and c.conname = 'shell_files_idempotency_key_key') then
    alter table public.shell_files
      add constraint shell_files_idempotency_key_key unique (uploaded_by, idempotency_key);
  end if;
end
$$;

create or replace function public.create_shell_file_job(
  p_user_id uuid,
  p_profile_id uuid,
  p_storage_path text,
  p_original_filename text,
  p_mime_type text,
  p_file_size_bytes bigint,
  p_estimated_pages integer,
  p_idempotency_key text,
  p_estimated_tokens integer
)
returns table (shell_file_id uuid, job_id uuid, status text, created boolean)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- One list, also the bucket's allowed_mime_types (the verification block compares them).
  c_mime_types constant text[] := array['application/pdf', 'image/png', 'image/jpeg', 'image/tiff'];
  c_max_bytes constant bigint := 52428800;
  v_filename text;
  v_existing record;
  v_shell_file_id uuid;
  v_job_id uuid;
begin
  -- GUARD: arguments (messages name the parameter, never its value: paths and file
  -- names are patient data).
  if p_user_id is null then
    raise exception 'create_shell_file_job: p_user_id must not be null' using errcode = '22023';
  end if;
  if p_profile_id is null then
    raise exception 'create_shell_file_job: p_profile_id must not be null' using errcode = '22023';
  end if;
  if p_idempotency_key is null or length(p_idempotency_key) not between 8 and 200 then
    raise exception 'create_shell_file_job: p_idempotency_key must be 8 to 200 characters' using errcode = '22023';
  end if;
  if p_storage_path is null or length(p_storage_path) not between 3 and 1024 then
    raise exception 'create_shell_file_job: p_storage_path must be 3 to 1024 characters' using errcode = '22023';
  end if;
  if p_mime_type is null or not (p_mime_type = any (c_mime_types)) then
    raise exception 'create_shell_file_job: p_mime_type must be one of %', array_to_string(c_mime_types, ', ')
      using errcode = '22023';
  end if;
  if p_file_size_bytes is null or p_file_size_bytes not between 1 and c_max_bytes then
    raise exception 'create_shell_file_job: p_file_size_bytes must be between 1 and %', c_max_bytes
      using errcode = '22023';
  end if;
  if p_estimated_pages is null or p_estimated_pages not between 1 and 100000 then
    raise exception 'create_shell_file_job: p_estimated_pages must be between 1 and 100000' using errcode = '22023';
  end if;
  if p_estimated_tokens is null or p_estimated_tokens < 0 then
    raise exception 'create_shell_file_job: p_estimated_tokens must be a non-negative integer' using errcode = '22023';
  end if;
  if p_original_filename is not null and length(btrim(p_original_filename)) > 255 then
    raise exception 'create_shell_file_job: p_original_filename must be at most 255 characters' using errcode = '22023';
  end if;

  -- GUARD: access before anything about the path is said.
  if not public.has_profile_access(p_user_id, p_profile_id) then
    raise exception 'create_shell_file_job: no access to this profile' using errcode = '42501';
  end if;

  -- GUARD: the object lies in the profile's folder, as '<profile_id>/<name>', with no
  -- empty, '.' or '..' segment and no control characters.
  if lower(split_part(p_storage_path, '/', 1)) <> p_profile_id::text
     or position('/' in p_storage_path) = 0 then
    raise exception 'create_shell_file_job: p_storage_path must be inside the profile''s folder (<p_profile_id>/...)'
      using errcode = '22023';
  end if;
  if '/' || p_storage_path || '/' ~ '/(\.{1,2})?/' or p_storage_path ~ '[[:cntrl:]]' then
    raise exception 'create_shell_file_job: p_storage_path must not contain empty, "." or ".." segments or control characters'
      using errcode = '22023';
  end if;
  -- HARDENING: shell_files' CHECK refuses "../" anywhere (a name ending in ".." before a "/");
  -- say so as a bad argument instead of failing the INSERT with 23514.
  if position('../' in p_storage_path) > 0 then
    raise exception 'create_shell_file_job: p_storage_path must not contain "../" (a name ending in "..")'
      using errcode = '22023';
  end if;
  v_filename := coalesce(nullif(btrim(p_original_filename), ''),
                         left(reverse(split_part(reverse(p_storage_path), '/', 1)), 255));

  -- CREATE: the submitter's key (and the path) decide, whoever races.
  insert into public.shell_files as f (
    patient_id, uploaded_by, storage_path, original_filename, mime_type, file_size_bytes,
    estimated_pages, status, idempotency_key
  ) values (
    p_profile_id, p_user_id, p_storage_path, v_filename, p_mime_type, p_file_size_bytes,
    p_estimated_pages, 'queued', p_idempotency_key
  )
  on conflict do nothing
  returning f.id into v_shell_file_id;

  -- REPLAY: the key was used before (or just now, by a racing call that committed). Keys are
  -- the submitting user's own (unique on uploaded_by, idempotency_key): another user's key
  -- is never found here, so it can neither block this upload nor be told apart from a new one.
  if v_shell_file_id is null then
    select f.id, f.patient_id, f.storage_path, f.processing_job_id, f.status
      into v_existing
      from public.shell_files f
     where f.uploaded_by = p_user_id
       and f.idempotency_key = p_idempotency_key;
    if not found then
      -- Not the caller's key: the path is registered. Under this same key by someone else with
      -- access to the profile (the path lies in its folder): the same upload, a replay.
      select f.id, f.patient_id, f.storage_path, f.processing_job_id, f.status
        into v_existing
        from public.shell_files f
       where f.storage_path = p_storage_path
         and f.idempotency_key = p_idempotency_key;
    end if;
    if not found then
      -- Under another key.
      raise exception 'create_shell_file_job: p_storage_path was already submitted with another idempotency_key'
        using errcode = '22023';
    end if;
    if v_existing.patient_id <> p_profile_id or v_existing.storage_path <> p_storage_path then
      raise exception 'create_shell_file_job: idempotency_key was already used for a different upload'
        using errcode = '22023';
    end if;
    return query select v_existing.id, v_existing.processing_job_id, v_existing.status, false;
    return;
  end if;

  -- ENQUEUE: the job carries where the document is and what it is.
  select e.job_id into v_job_id
    from public.enqueue_job_v3(
      job_type => 'shell_file_processing',
      job_name => 'shell file ' || v_shell_file_id::text,
      job_payload => jsonb_build_object(
        'shell_file_id', v_shell_file_id,
        'patient_id', p_profile_id,
        'storage_bucket', 'medical-docs',
        'storage_path', p_storage_path,
        'mime_type', p_mime_type,
        'file_size_bytes', p_file_size_bytes,
        'estimated_pages', p_estimated_pages,
        'estimated_tokens', p_estimated_tokens),
      job_lane => 'standard',
      patient_id => p_profile_id,
      shell_file_id => v_shell_file_id) e;

  update public.shell_files f
     set processing_job_id = v_job_id,
         updated_at = now()
   where f.id = v_shell_file_id;

  -- USAGE: counted once per file (size and pages read from shell_files).
  perform public.track_shell_file_upload_usage(p_profile_id, v_shell_file_id);

  -- AUDIT: ids and sizes, never the path or the file name.
  perform public.log_audit_event(
    'shell_files', v_shell_file_id::text, 'INSERT', null,
    jsonb_build_object('status', 'queued', 'mime_type', p_mime_type, 'file_size_bytes', p_file_size_bytes,
                       'estimated_pages', p_estimated_pages, 'processing_job_id', v_job_id,
                       'submitted_by', p_user_id),
    'document submitted for processing', 'clinical', p_profile_id, v_job_id);

  return query select v_shell_file_id, v_job_id, 'queued'::text, true;
end
$$;
comment on function public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer) is
  'Intake: registers an uploaded object as a shell file (status queued, processing_job_id) and enqueues its shell_file_processing job (lane standard, payload {shell_file_id, patient_id, storage_bucket, storage_path, mime_type, file_size_bytes, estimated_pages, estimated_tokens}); counts the upload (track_shell_file_upload_usage) and audits it. Returns (shell_file_id, job_id, status, created). Idempotent on p_idempotency_key, which is p_user_id''s own (another user''s keys are never matched), also between racing calls: the same key for the same profile and path answers the existing ids with created = false and writes nothing (also when another user with access to the profile registered that path under that key). A null p_original_filename becomes the last path segment. service_role only. Raises 22023 (bad argument: key 8..200 chars, path inside <p_profile_id>/ without empty/./.. segments, "../" or control characters, mime type application/pdf | image/png | image/jpeg | image/tiff, size 1..52428800, estimated pages 1..100000, estimated tokens >= 0; key already used for a different upload; path already submitted with another key), 42501 (p_user_id has no access to p_profile_id), and what enqueue_job_v3 raises (54000 queue full). Nothing is written on error.';
revoke all on function public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer) from public, anon, authenticated;
grant execute on function public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer) to service_role;

-- =============================================================================
-- 5. log_audit_events: an actor's jobs are jobs of patients they can access
-- =============================================================================
create or replace function public.log_audit_events(p_actor_id uuid, p_events jsonb)
returns bigint[]
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  c_keys constant text[] := array['table_name', 'record_id', 'operation', 'reason', 'patient_id', 'job_id', 'new_values'];
  c_operations constant text[] := array['INSERT', 'UPDATE', 'DELETE', 'SELECT', 'PROCESS', 'ACCESS', 'EXPORT'];
  c_uuid constant text := '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
  v_event record;
  v_ids bigint[];
begin
  -- GUARD: the batch, then each event (named by its 0-based position).
  if p_events is null or jsonb_typeof(p_events) <> 'array'
     or jsonb_array_length(p_events) not between 1 and 100 then
    raise exception 'log_audit_events: p_events must be a JSON array of 1 to 100 events' using errcode = '22023';
  end if;
  for v_event in select e.value, e.ordinality - 1 as idx from jsonb_array_elements(p_events) with ordinality e loop
    if jsonb_typeof(v_event.value) <> 'object' then
      raise exception 'log_audit_events: p_events[%] must be a JSON object', v_event.idx using errcode = '22023';
    end if;
    if exists (select 1 from jsonb_object_keys(v_event.value) k (key) where not (k.key = any (c_keys))) then
      raise exception 'log_audit_events: p_events[%] may only have the keys %', v_event.idx, array_to_string(c_keys, ', ')
        using errcode = '22023';
    end if;
    if jsonb_typeof(v_event.value -> 'table_name') is distinct from 'string'
       or length(btrim(v_event.value ->> 'table_name')) not between 1 and 100 then
      raise exception 'log_audit_events: p_events[%].table_name must be a string of 1 to 100 characters', v_event.idx
        using errcode = '22023';
    end if;
    if jsonb_typeof(v_event.value -> 'record_id') is distinct from 'string'
       or length(btrim(v_event.value ->> 'record_id')) not between 1 and 200 then
      raise exception 'log_audit_events: p_events[%].record_id must be a string of 1 to 200 characters', v_event.idx
        using errcode = '22023';
    end if;
    if jsonb_typeof(v_event.value -> 'operation') is distinct from 'string'
       or not ((v_event.value ->> 'operation') = any (c_operations)) then
      raise exception 'log_audit_events: p_events[%].operation must be one of %', v_event.idx,
        array_to_string(c_operations, ', ') using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_event.value -> 'reason'), 'null') not in ('null', 'string')
       or length(v_event.value ->> 'reason') > 1000 then
      raise exception 'log_audit_events: p_events[%].reason must be a string of at most 1000 characters', v_event.idx
        using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_event.value -> 'patient_id'), 'null') not in ('null', 'string')
       or (v_event.value ->> 'patient_id') !~ c_uuid then
      raise exception 'log_audit_events: p_events[%].patient_id must be a UUID', v_event.idx using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_event.value -> 'job_id'), 'null') not in ('null', 'string')
       or (v_event.value ->> 'job_id') !~ c_uuid then
      raise exception 'log_audit_events: p_events[%].job_id must be a UUID', v_event.idx using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_event.value -> 'new_values'), 'null') not in ('null', 'object') then
      raise exception 'log_audit_events: p_events[%].new_values must be a JSON object', v_event.idx
        using errcode = '22023';
    end if;
  end loop;

  -- ACCESS: an end user's events name only patients they can access, and only jobs of such
  -- patients (HARDENING: a job id alone let a user write into another patient's job history).
  if p_actor_id is not null then
    select e.ordinality - 1 as idx into v_event
      from jsonb_array_elements(p_events) with ordinality e
     where e.value ->> 'patient_id' is not null
       and not public.has_profile_access(p_actor_id, (e.value ->> 'patient_id')::uuid)
     order by e.ordinality
     limit 1;
    if found then
      raise exception 'log_audit_events: p_actor_id has no access to the patient of p_events[%]', v_event.idx
        using errcode = '42501';
    end if;
    -- A job that does not exist is refused alike: whether it exists is not revealed.
    select e.ordinality - 1 as idx into v_event
      from jsonb_array_elements(p_events) with ordinality e
     where e.value ->> 'job_id' is not null
       and not exists (select 1 from public.job_queue j
                        where j.id = (e.value ->> 'job_id')::uuid
                          and public.has_profile_access(p_actor_id, j.patient_id))
     order by e.ordinality
     limit 1;
    if found then
      raise exception 'log_audit_events: p_actor_id has no access to the job of p_events[%]', v_event.idx
        using errcode = '42501';
    end if;
  end if;

  -- WRITE: in the given order; ids returned in that order.
  with inserted as (
    insert into public.audit_log as a (
      table_name, record_id, operation, old_values, new_values, reason,
      compliance_category, patient_id, job_id, actor_id, actor_role
    )
    select btrim(e.value ->> 'table_name'), btrim(e.value ->> 'record_id'), e.value ->> 'operation', null,
           case when jsonb_typeof(e.value -> 'new_values') = 'object' then e.value -> 'new_values' end,
           e.value ->> 'reason',
           case when p_actor_id is null then 'system' else 'access' end,
           (e.value ->> 'patient_id')::uuid, (e.value ->> 'job_id')::uuid,
           coalesce(p_actor_id, auth.uid()),
           case when p_actor_id is null then coalesce(auth.role(), current_user) else 'authenticated' end
      from jsonb_array_elements(p_events) with ordinality e
     order by e.ordinality
    returning a.id
  )
  select array_agg(i.id order by i.id) into v_ids from inserted i;
  return v_ids;
end
$$;
comment on function public.log_audit_events(uuid, jsonb) is
  'Appends 1..100 audit events at once, all or nothing: each {table_name, record_id, operation, reason?, patient_id?, job_id?, new_values?}. With p_actor_id (the end user an Edge Function verified): every patient_id must pass has_profile_access(p_actor_id, patient_id) and every job_id must name a job whose patient passes it, the category is access, actor_id = p_actor_id, actor_role authenticated. Without: category system, actor = the caller. Returns the new audit_log ids in the events'' order. service_role only. Raises 22023 (naming p_events[i] and the bad key), 42501 (p_actor_id has no access to the patient, or to the job, of p_events[i]; an unknown job is refused alike). Nothing is written on error.';
revoke all on function public.log_audit_events(uuid, jsonb) from public, anon, authenticated;
grant execute on function public.log_audit_events(uuid, jsonb) to service_role;

-- =============================================================================
-- 6 + 7. What a client may write in user_profiles and profile_access_grants, by column.
-- RLS decides which rows; these decide which columns: never an id (a duplicate-key error
-- would tell whether an id is taken), never timestamps, never who granted.
-- Revoking the table-level privilege also revokes column privileges, so re-running this
-- block ends in the same grants.
-- =============================================================================
revoke insert, update on public.user_profiles from authenticated;
grant insert (account_owner_id, profile_type, display_name, date_of_birth, archived)
  on public.user_profiles to authenticated;
grant update (account_owner_id, profile_type, display_name, date_of_birth, archived, updated_at)
  on public.user_profiles to authenticated;

revoke insert, update on public.profile_access_grants from authenticated;
grant insert (profile_id, grantee_id, access_level, expires_at, revoked_at)
  on public.profile_access_grants to authenticated;
grant update (access_level, expires_at, revoked_at)
  on public.profile_access_grants to authenticated;
-- The granting user, recorded by the database (null for the service role and SQL sessions).
alter table public.profile_access_grants alter column granted_by set default auth.uid();

-- =============================================================================
-- VERIFY: what this file promises, checked once, one error listing every problem.
-- =============================================================================
do $$
declare
  v_problems text[] := array[]::text[];
  v_fn text;
  v_grantees text;
begin
  for v_fn, v_grantees in
    select f.sig, f.who from (values
      ('public.has_profile_access(uuid, uuid)', 'authenticated,service_role'),
      ('public.get_processing_status(uuid)', 'authenticated,service_role'),
      ('public.track_shell_file_upload_usage(uuid, uuid)', 'authenticated,service_role'),
      ('public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer)', 'service_role'),
      ('public.log_audit_events(uuid, jsonb)', 'service_role'),
      ('private.raise_not_found(text)', '')
    ) f (sig, who)
  loop
    if to_regprocedure(v_fn) is null then
      v_problems := v_problems || ('function ' || v_fn || ' was not created');
      continue;
    end if;
    if not exists (select 1 from pg_catalog.pg_proc p
                    where p.oid = to_regprocedure(v_fn)
                      and (p.prosecdef or v_fn like 'private.%')
                      and 'search_path=pg_catalog, pg_temp' = any (coalesce(p.proconfig, array[]::text[]))) then
      v_problems := v_problems || (v_fn || ' must pin search_path = pg_catalog, pg_temp (and be SECURITY DEFINER if public)');
    end if;
    if (select coalesce(string_agg(r.rolname, ',' order by r.rolname), '')
          from (values ('anon'), ('authenticated'), ('service_role')) r (rolname)
         where has_function_privilege(r.rolname, v_fn, 'execute')) <> v_grantees
       or exists (select 1 from pg_catalog.pg_proc p,
                         pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                   where p.oid = to_regprocedure(v_fn) and a.grantee = 0) then
      v_problems := v_problems || (v_fn || ' must be executable by ' || coalesce(nullif(v_grantees, ''), 'no API role') || ' only');
    end if;
  end loop;

  if not exists (select 1 from pg_catalog.pg_constraint c
                  where c.conrelid = 'public.shell_files'::regclass
                    and c.conname = 'shell_files_idempotency_key_key' and c.contype = 'u'
                    and pg_catalog.pg_get_constraintdef(c.oid) = 'UNIQUE (uploaded_by, idempotency_key)') then
    v_problems := v_problems || 'constraint shell_files_idempotency_key_key UNIQUE (uploaded_by, idempotency_key)'::text;
  end if;
  if has_column_privilege('authenticated', 'public.user_profiles', 'id', 'insert')
     or has_column_privilege('authenticated', 'public.user_profiles', 'id', 'update')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'id', 'insert')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'granted_by', 'insert')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'granted_by', 'update') then
    v_problems := v_problems || 'authenticated must not write user_profiles.id, profile_access_grants.id or .granted_by'::text;
  end if;
  if not has_column_privilege('authenticated', 'public.user_profiles', 'display_name', 'insert')
     or not has_column_privilege('authenticated', 'public.profile_access_grants', 'revoked_at', 'update') then
    v_problems := v_problems || 'authenticated must still create profiles and revoke grants'::text;
  end if;
  if (select pg_catalog.pg_get_expr(d.adbin, d.adrelid) from pg_catalog.pg_attrdef d
       join pg_catalog.pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where d.adrelid = 'public.profile_access_grants'::regclass and a.attname = 'granted_by') is distinct from 'auth.uid()' then
    v_problems := v_problems || 'profile_access_grants.granted_by default auth.uid()'::text;
  end if;

  if cardinality(v_problems) > 0 then
    raise exception '20261122001100_hardening: % problem(s): %', cardinality(v_problems), array_to_string(v_problems, '; ');
  end if;
end
$$;
