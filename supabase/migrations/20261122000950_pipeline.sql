-- =============================================================================
-- 0950 PIPELINE: what the document pipeline's Edge Functions call.
--
--   client ──upload──▶ Storage bucket medical-docs, folder <profile_id>/ (policies below)
--   shell-file-processor-v3 ──▶ create_shell_file_job ──▶ shell_files (queued) + job (pending)
--   pg_cron dispatch-workers ──▶ private.dispatch_workers ──net.http_post──▶ job-worker
--   job-worker: claim_next_job_v3, then one step at a time, each checkpointed by its
--     record_* RPC:  inspect ─▶ text(p) … ─▶ pass1(p) … ─▶ pass2(p) … ─▶ narrative ─▶ finish
--     out of time: release_job (+ chain);  failure: fail_shell_file_job
--   apps: get_processing_status;  audit-logger-v3: log_audit_events
--
-- THE RECORD_* CONTRACT. Every record_* RPC passes through ONE helper,
-- private.record_job_step, which in one locked step: fences (private.job_lease_held:
-- processing, same worker, lease alive; otherwise the RPC answers false and writes
-- nothing), merges the step's progress into job_result (counters never move back:
-- greatest; booleans never turn false; any other key is written once), adds the step's
-- provider tokens to job_result.tokens_used when the merge advanced the progress (the
-- step's first record), beats the heartbeat, and marks the shell file 'processing'. The
-- RPC then writes its result under the table's unique key. A step already recorded (its
-- *_done counter says so) is a no-op that answers true: no second row, no second audit
-- event, progress and tokens unchanged. Only a result that was written is audited
-- (log_audit_event, 'clinical', with the shell file's patient and the job).
--
-- PROGRESS (job_result): {page_count, ocr_pages, text_done, pass1_done, pass2_done,
-- narrative_done, finished, tokens_used}. Pages go in order: text_done = k means pages
-- 1..k have text. tokens_used is the sum of the tokens of every recorded step (OCR, the
-- three AI passes); finish_shell_file_job reports it to usage tracking itself.
-- A step out of order (page 3 before page 2, pass 1 of a page without text, the
-- narrative before pass 2 is done, a step before the inspection) is refused with 55000,
-- and a page beyond page_count with 22023; both write nothing.
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
    'public.system_configuration', 'public.audit_log', 'public.user_profiles', 'public.shell_files',
    'public.shell_file_pages', 'public.page_entity_detections', 'public.clinical_extractions',
    'public.clinical_narratives', 'public.job_queue', 'public.usage_events',
    'storage.buckets', 'storage.objects'
  ] loop
    if to_regclass(v_name) is null then
      v_missing := v_missing || ('table ' || v_name);
    end if;
  end loop;
  foreach v_name in array array[
    'private.config_int(text, integer)',
    'private.job_lease_held(text, text, timestamptz, text)',
    'private.require_job_and_worker(text, uuid, text)',
    'public.is_service_role()',
    'public.has_profile_access(uuid, uuid)',
    'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)',
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)',
    'public.complete_job(uuid, text, jsonb)',
    'public.fail_job(uuid, text, jsonb, boolean)',
    'public.track_shell_file_upload_usage(uuid, uuid)',
    'public.track_ai_processing_usage(uuid, uuid, integer, integer)',
    'storage.foldername(text)',
    'net.http_post(text, jsonb, jsonb, jsonb, integer)',
    'cron.schedule(text, text, text)'
  ] loop
    if to_regprocedure(v_name) is null then
      v_missing := v_missing || ('function ' || v_name);
    end if;
  end loop;
  if to_regclass('vault.decrypted_secrets') is null then
    v_missing := v_missing || 'view vault.decrypted_secrets (Supabase Vault)'::text;
  end if;
  if cardinality(v_missing) > 0 then
    raise exception '20261122000950_pipeline: missing dependencies: %', array_to_string(v_missing, '; ')
      using hint = 'Apply migrations 0100-0900 first; enable pg_cron and pg_net (Database -> Extensions; locally, the bootstrap in sql/local/).';
  end if;
end
$$;

-- -----------------------------------------------------------------------------
-- CONFIGURATION
-- -----------------------------------------------------------------------------
insert into public.system_configuration (config_key, config_value, value_type, config_type, description) values
  ('dispatch.max_invocations_per_tick', '8', 'integer', 'worker',
   'Most job-worker invocations one dispatch-workers tick sends (one per claimable pending shell_file_processing job, up to this). 0 pauses the dispatcher.'),
  ('dispatch.max_running_jobs', '8', 'integer', 'worker',
   'Most shell_file_processing jobs processing at once under a live lease; a tick sends no more invocations than the difference. Each invocation chains the next, so without this bound every tick of a long backlog would add invocations.')
on conflict (config_key) do nothing;

-- =============================================================================
-- STORAGE: the private bucket for uploads, and who may touch its objects.
-- Object names: '<profile_id>/<anything>'. A user may upload, read and delete objects
-- whose first folder is a profile they can access (has_profile_access). No UPDATE
-- policy: an uploaded document is not replaced under a job that is reading it (an
-- upsert is refused; upload under a new name instead). The service role bypasses RLS.
-- =============================================================================
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('medical-docs', 'medical-docs', false, 52428800,
        array['application/pdf', 'image/png', 'image/jpeg', 'image/tiff'])
on conflict (id) do nothing;

-- The folder is cast to uuid only when it is one (CASE fixes the evaluation order), so a
-- malformed name is refused by RLS rather than failing with a cast error.
drop policy if exists medical_docs_insert on storage.objects;
create policy medical_docs_insert on storage.objects
  for insert to authenticated
  with check (
    bucket_id = 'medical-docs'
    and case when (storage.foldername(name))[1] ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then public.has_profile_access(auth.uid(), ((storage.foldername(name))[1])::uuid)
             else false end
  );

drop policy if exists medical_docs_select on storage.objects;
create policy medical_docs_select on storage.objects
  for select to authenticated
  using (
    bucket_id = 'medical-docs'
    and case when (storage.foldername(name))[1] ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then public.has_profile_access(auth.uid(), ((storage.foldername(name))[1])::uuid)
             else false end
  );

drop policy if exists medical_docs_delete on storage.objects;
create policy medical_docs_delete on storage.objects
  for delete to authenticated
  using (
    bucket_id = 'medical-docs'
    and case when (storage.foldername(name))[1] ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
             then public.has_profile_access(auth.uid(), ((storage.foldername(name))[1])::uuid)
             else false end
  );

-- =============================================================================
-- FUNCTION: create_shell_file_job — intake (shell-file-processor-v3, service role)
-- Idempotent on p_idempotency_key, also between racing calls: the INSERT ... ON
-- CONFLICT DO NOTHING waits for a concurrent insert of the same key (or path) to
-- commit, then finds it and answers as a replay. Everything else it writes (the job,
-- the usage count, the audit) is in the same transaction as the shell_files row, so a
-- replay always finds the complete upload.
-- =============================================================================
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
-- PRIVATE HELPER: record_job_step — the common part of every record_* RPC and of
-- finish_shell_file_job. FENCE + PROGRESS MERGE + TOKENS + HEARTBEAT in one locked step.
--
-- TOKENS. job_result.tokens_used is the job's AI/OCR token total, and only this helper
-- writes it: a call whose merge ADVANCED the progress (changed job_result: a counter
-- moved up, a flag turned true, a key was written for the first time) is the step's
-- first record, and adds p_tokens_used. A repeated step (its counter already there), or
-- the loser of two racing calls (it waits on the row lock, then finds the winner's
-- progress), advances nothing and adds nothing. The calling RPC writes its result row if
-- and only if `advanced` is true (or raises, which rolls the tokens back with it), so the
-- tokens are counted exactly once per step whose result was recorded.
-- =============================================================================
create or replace function private.record_job_step(
  p_function text,
  p_job_id uuid,
  p_worker_id text,
  p_progress jsonb,
  p_tokens_used integer default 0
)
returns table (shell_file_id uuid, patient_id uuid, previous_progress jsonb, advanced boolean)
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
  v_merged jsonb;
  v_advanced boolean;
begin
  perform private.require_job_and_worker(p_function, p_job_id, p_worker_id);
  if p_progress is null or jsonb_typeof(p_progress) <> 'object' then
    raise exception '%: progress must be a JSON object', p_function using errcode = '22023';
  end if;
  if p_progress ? 'tokens_used' then
    raise exception '%: progress must not carry tokens_used (record_job_step accumulates it)', p_function
      using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception '%: p_tokens_used must be a non-negative integer', p_function using errcode = '22023';
  end if;

  -- FENCE: lock the job only if the caller holds its lease (READ COMMITTED re-checks the
  -- predicate on the latest row version after waiting for a concurrent writer).
  select q.job_type, q.shell_file_id, q.patient_id, coalesce(q.job_result, '{}'::jsonb) as job_result
    into v_job
    from public.job_queue q
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id)
     for update;
  if not found then
    return;  -- not the holder: no row, nothing written
  end if;
  if v_job.job_type <> 'shell_file_processing' or v_job.shell_file_id is null or v_job.patient_id is null then
    raise exception '%: job is not a shell_file_processing job with a shell file and a patient', p_function
      using errcode = '22023';
  end if;

  -- MERGE: counters never move back, booleans never turn false, other keys are written
  -- once (a repeated inspection cannot change page_count under later steps).
  v_merged := v_job.job_result || coalesce((
    select jsonb_object_agg(p.key,
             case
               when p.key in ('text_done', 'pass1_done', 'pass2_done')
                 then to_jsonb(greatest(
                        case when jsonb_typeof(v_job.job_result -> p.key) = 'number'
                             then (v_job.job_result ->> p.key)::integer else 0 end,
                        (p.value #>> '{}')::integer))
               when p.key in ('narrative_done', 'finished')
                 then to_jsonb(coalesce((v_job.job_result -> p.key) = 'true'::jsonb, false)
                               or p.value = 'true'::jsonb)
               else coalesce(v_job.job_result -> p.key, p.value)
             end)
      from jsonb_each(p_progress) p), '{}'::jsonb);

  -- TOKENS: added once, by the call that advanced the progress (see above). An integer
  -- total: a sum past 2^31-1 raises 22003 and records nothing.
  v_advanced := v_merged is distinct from v_job.job_result;
  if v_advanced then
    v_merged := v_merged || jsonb_build_object('tokens_used',
      case when jsonb_typeof(v_job.job_result -> 'tokens_used') = 'number'
           then (v_job.job_result ->> 'tokens_used')::integer else 0 end + p_tokens_used);
  end if;

  -- WRITE + BEAT
  update public.job_queue q
     set job_result = v_merged,
         heartbeat_at = now(),
         updated_at = now()
   where q.id = p_job_id;

  -- The shell file shows 'processing' while its job's holder records steps (also after
  -- an operator retried a dead letter: the old error is cleared).
  update public.shell_files f
     set status = 'processing',
         processing_started_at = coalesce(f.processing_started_at, now()),
         processing_error = null,
         updated_at = now()
   where f.id = v_job.shell_file_id
     and f.status in ('uploaded', 'queued', 'failed');

  return query select v_job.shell_file_id, v_job.patient_id, v_job.job_result, v_advanced;
end
$$;
comment on function private.record_job_step(text, uuid, text, jsonb, integer) is
  'Common part of the record_* RPCs and finish_shell_file_job. When p_worker_id holds the lease of job p_job_id (private.job_lease_held), in one locked step: merges p_progress into job_result (text_done/pass1_done/pass2_done: greatest; narrative_done/finished: or; other keys: kept if present); when that merge changed job_result (advanced: the step''s first record) adds p_tokens_used to job_result.tokens_used (created at 0 + p_tokens_used; a repeated or raced step adds nothing); sets heartbeat_at = now(); and moves the shell file from uploaded/queued/failed to processing (processing_started_at once, processing_error cleared). Returns one row (shell_file_id, patient_id, previous_progress = job_result before the merge, advanced); the caller writes its result only when advanced. Returns no row and writes nothing when the caller does not hold the job. Raises 22023 "<p_function>: ..." for a null job id, empty worker id, non-object progress, progress carrying tokens_used, null or negative p_tokens_used, or a job that is not a shell_file_processing job; 22003 if the token total would pass the integer range. Internal; no grants.';
revoke all on function private.record_job_step(text, uuid, text, jsonb, integer) from public, anon, authenticated;

-- The order rule of the per-page steps, written once: after the inspection, within the
-- document, after the step it builds on (p_prerequisite, a progress counter), page after page.
create or replace function private.require_page_in_order(
  p_function text,
  p_progress jsonb,
  p_page_number integer,
  p_counter text,
  p_prerequisite text default null,
  p_prerequisite_missing text default null
)
returns void
language plpgsql
immutable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_page_count integer := (p_progress ->> 'page_count')::integer;
  v_done integer := coalesce((p_progress ->> p_counter)::integer, 0);
begin
  if v_page_count is null then
    raise exception '%: the document has not been inspected yet', p_function using errcode = '55000';
  end if;
  if p_page_number > v_page_count then
    raise exception '%: p_page_number must be between 1 and the page count (%)', p_function, v_page_count
      using errcode = '22023';
  end if;
  if p_prerequisite is not null and p_page_number > coalesce((p_progress ->> p_prerequisite)::integer, 0) then
    raise exception '%: page % %', p_function, p_page_number, p_prerequisite_missing using errcode = '55000';
  end if;
  if p_page_number > v_done + 1 then
    raise exception '%: pages are recorded in order; the next page is %', p_function, v_done + 1
      using errcode = '55000';
  end if;
end
$$;
comment on function private.require_page_in_order(text, jsonb, integer, text, text, text) is
  'Raises unless p_page_number may be recorded next for counter p_counter given the progress before the step: 55000 "<p_function>: the document has not been inspected yet", 22023 "... p_page_number must be between 1 and the page count (n)", 55000 "... page <n> <p_prerequisite_missing>" when the prerequisite counter has not reached the page, 55000 "... pages are recorded in order; the next page is <n>". A page already recorded passes (the caller then writes nothing). Internal; no grants.';
revoke all on function private.require_page_in_order(text, jsonb, integer, text, text, text) from public, anon, authenticated;

-- =============================================================================
-- FUNCTION: record_document_inspection (fenced) — page count and pages needing OCR
-- =============================================================================
create or replace function public.record_document_inspection(
  p_job_id uuid,
  p_worker_id text,
  p_page_count integer,
  p_ocr_pages integer[]
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step record;
  v_ocr_pages integer[];
begin
  -- GUARD
  if p_page_count is null or p_page_count not between 1 and 100000 then
    raise exception 'record_document_inspection: p_page_count must be between 1 and 100000' using errcode = '22023';
  end if;
  if p_ocr_pages is not null and (
       array_position(p_ocr_pages, null) is not null
       or exists (select 1 from unnest(p_ocr_pages) o (page) where o.page not between 1 and p_page_count)
       or (select count(distinct o.page) from unnest(p_ocr_pages) o (page)) <> cardinality(p_ocr_pages)) then
    raise exception 'record_document_inspection: p_ocr_pages must hold distinct page numbers between 1 and p_page_count'
      using errcode = '22023';
  end if;
  v_ocr_pages := coalesce((select array_agg(o.page order by o.page) from unnest(p_ocr_pages) o (page)), '{}');

  -- FENCE + PROGRESS + BEAT
  select s.shell_file_id, s.patient_id, s.previous_progress, s.advanced into v_step
    from private.record_job_step('record_document_inspection', p_job_id, p_worker_id,
           jsonb_build_object('page_count', p_page_count, 'ocr_pages', to_jsonb(v_ocr_pages),
                              'text_done', 0, 'pass1_done', 0, 'pass2_done', 0, 'narrative_done', false)) s;
  if not found then
    return false;
  end if;

  -- ALREADY RECORDED: the first inspection stands (the merge kept its page_count).
  if not v_step.advanced then
    return true;
  end if;

  -- RESULT
  update public.shell_files f
     set page_count = p_page_count,
         updated_at = now()
   where f.id = v_step.shell_file_id;

  perform public.log_audit_event(
    'shell_files', v_step.shell_file_id::text, 'UPDATE', null,
    jsonb_build_object('status', 'processing', 'page_count', p_page_count, 'ocr_pages', cardinality(v_ocr_pages)),
    'document inspected', 'clinical', v_step.patient_id, p_job_id);
  return true;
end
$$;
comment on function public.record_document_inspection(uuid, text, integer, integer[]) is
  'Worker step "inspect" (fenced): sets shell_files.page_count (status processing, processing_started_at) and progress {page_count, ocr_pages (sorted), text_done 0, pass1_done 0, pass2_done 0, narrative_done false, tokens_used 0}; audited (clinical). A second call is a no-op (the first inspection stands) answering true. Returns false and writes nothing when p_worker_id does not hold the job. service_role only. Raises 22023 (p_page_count 1..100000; p_ocr_pages distinct pages within 1..p_page_count; null job id; empty worker id; not a shell_file_processing job).';
revoke all on function public.record_document_inspection(uuid, text, integer, integer[]) from public, anon, authenticated;
grant execute on function public.record_document_inspection(uuid, text, integer, integer[]) to service_role;

-- =============================================================================
-- FUNCTION: record_page_text (fenced) — one page's text → shell_file_pages
-- =============================================================================
create or replace function public.record_page_text(
  p_job_id uuid,
  p_worker_id text,
  p_page_number integer,
  p_text_source text,
  p_page_text text,
  p_confidence numeric,
  p_provider text,
  p_tokens_used integer default 0
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step record;
  v_rows integer;
begin
  -- GUARD
  if p_page_number is null or p_page_number < 1 then
    raise exception 'record_page_text: p_page_number must be a positive integer' using errcode = '22023';
  end if;
  if p_text_source is null or p_text_source not in ('pdf_text_layer', 'ocr') then
    raise exception 'record_page_text: p_text_source must be one of pdf_text_layer, ocr' using errcode = '22023';
  end if;
  if p_page_text is null then
    raise exception 'record_page_text: p_page_text must not be null (an empty page is '''')' using errcode = '22023';
  end if;
  if p_confidence is not null and p_confidence not between 0 and 1 then
    raise exception 'record_page_text: p_confidence must be between 0 and 1' using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception 'record_page_text: p_tokens_used must be a non-negative integer' using errcode = '22023';
  end if;

  -- FENCE + PROGRESS + TOKENS + BEAT
  select s.shell_file_id, s.patient_id, s.previous_progress, s.advanced into v_step
    from private.record_job_step('record_page_text', p_job_id, p_worker_id,
           jsonb_build_object('text_done', p_page_number), p_tokens_used) s;
  if not found then
    return false;
  end if;

  -- ORDER: after the inspection, within the document, page after page.
  perform private.require_page_in_order('record_page_text', v_step.previous_progress, p_page_number, 'text_done');
  if not v_step.advanced then
    return true;  -- ALREADY RECORDED (p_page_number <= text_done): no row, no tokens
  end if;

  -- RESULT
  insert into public.shell_file_pages (
    shell_file_id, page_number, patient_id, text_source, page_text, confidence, provider, job_id
  ) values (
    v_step.shell_file_id, p_page_number, v_step.patient_id, p_text_source, p_page_text, p_confidence,
    nullif(btrim(p_provider), ''), p_job_id
  )
  on conflict do nothing;
  get diagnostics v_rows = row_count;

  if v_rows = 1 then
    perform public.log_audit_event(
      'shell_file_pages', v_step.shell_file_id::text || ':' || p_page_number, 'INSERT', null,
      jsonb_build_object('page_number', p_page_number, 'text_source', p_text_source,
                         'provider', nullif(btrim(p_provider), ''), 'text_length', length(p_page_text),
                         'tokens_used', p_tokens_used),
      'page text recorded', 'clinical', v_step.patient_id, p_job_id);
  end if;
  return true;
end
$$;
comment on function public.record_page_text(uuid, text, integer, text, text, numeric, text, integer) is
  'Worker step "text" (fenced): writes page p_page_number''s text to shell_file_pages (key shell_file_id, page_number), advances progress text_done and adds p_tokens_used (what the OCR call used; default 0, e.g. a PDF text layer) to progress tokens_used; audited (clinical; the text itself is never in the audit). A page already recorded (p_page_number <= text_done) is a no-op answering true: no row, no tokens. Returns false and writes nothing when p_worker_id does not hold the job. service_role only. Raises 22023 (p_page_number positive and within page_count; p_text_source pdf_text_layer | ocr; p_page_text not null; p_confidence 0..1; p_tokens_used >= 0), 55000 (not inspected yet; a page out of order). Nothing is written on error.';
revoke all on function public.record_page_text(uuid, text, integer, text, text, numeric, text, integer) from public, anon, authenticated;
grant execute on function public.record_page_text(uuid, text, integer, text, text, numeric, text, integer) to service_role;

-- =============================================================================
-- FUNCTION: record_page_entities (fenced) — AI pass 1 of a page → page_entity_detections
-- =============================================================================
create or replace function public.record_page_entities(
  p_job_id uuid,
  p_worker_id text,
  p_page_number integer,
  p_entities jsonb,
  p_model text,
  p_tokens_used integer
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step record;
  v_rows integer;
begin
  -- GUARD
  if p_page_number is null or p_page_number < 1 then
    raise exception 'record_page_entities: p_page_number must be a positive integer' using errcode = '22023';
  end if;
  if p_entities is null or jsonb_typeof(p_entities) <> 'array' then
    raise exception 'record_page_entities: p_entities must be a JSON array' using errcode = '22023';
  end if;
  if p_model is null or btrim(p_model) = '' then
    raise exception 'record_page_entities: p_model must not be empty' using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception 'record_page_entities: p_tokens_used must be a non-negative integer' using errcode = '22023';
  end if;

  -- FENCE + PROGRESS + TOKENS + BEAT
  select s.shell_file_id, s.patient_id, s.previous_progress, s.advanced into v_step
    from private.record_job_step('record_page_entities', p_job_id, p_worker_id,
           jsonb_build_object('pass1_done', p_page_number), p_tokens_used) s;
  if not found then
    return false;
  end if;

  -- ORDER: the page has its text; pages in order.
  perform private.require_page_in_order('record_page_entities', v_step.previous_progress, p_page_number,
    'pass1_done', 'text_done', 'has no text yet');
  if not v_step.advanced then
    return true;  -- ALREADY RECORDED (p_page_number <= pass1_done): no row, no tokens
  end if;

  -- RESULT
  insert into public.page_entity_detections (
    shell_file_id, page_number, patient_id, entities, model, tokens_used, job_id
  ) values (
    v_step.shell_file_id, p_page_number, v_step.patient_id, p_entities, btrim(p_model), p_tokens_used, p_job_id
  )
  on conflict do nothing;
  get diagnostics v_rows = row_count;

  if v_rows = 1 then
    perform public.log_audit_event(
      'page_entity_detections', v_step.shell_file_id::text || ':' || p_page_number, 'INSERT', null,
      jsonb_build_object('page_number', p_page_number, 'entities', jsonb_array_length(p_entities),
                         'model', btrim(p_model), 'tokens_used', p_tokens_used),
      'page entities recorded (AI pass 1)', 'clinical', v_step.patient_id, p_job_id);
  end if;
  return true;
end
$$;
comment on function public.record_page_entities(uuid, text, integer, jsonb, text, integer) is
  'Worker step "pass1" (fenced): writes page p_page_number''s entities to page_entity_detections (key shell_file_id, page_number, with p_tokens_used), advances progress pass1_done and adds p_tokens_used to progress tokens_used; audited (clinical; counts, not content). A page already recorded (p_page_number <= pass1_done) is a no-op answering true: no row, no tokens. Returns false and writes nothing when p_worker_id does not hold the job. service_role only. Raises 22023 (p_page_number positive and within page_count; p_entities a JSON array; p_model non-empty; p_tokens_used >= 0), 55000 (not inspected yet; the page has no text yet; a page out of order). Nothing is written on error.';
revoke all on function public.record_page_entities(uuid, text, integer, jsonb, text, integer) from public, anon, authenticated;
grant execute on function public.record_page_entities(uuid, text, integer, jsonb, text, integer) to service_role;

-- =============================================================================
-- FUNCTION: record_page_extractions (fenced) — AI pass 2 of a page → clinical_extractions
-- One row per element of p_items ({category, label, details, confidence}), item_index =
-- its position (0-based). All elements are checked before any row is written.
-- =============================================================================
create or replace function public.record_page_extractions(
  p_job_id uuid,
  p_worker_id text,
  p_page_number integer,
  p_items jsonb,
  p_model text,
  p_tokens_used integer default 0
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- The table's CHECK list (tests/db/record_page_extractions compares them).
  c_categories constant text[] := array['condition', 'medication', 'allergy', 'procedure', 'observation',
                                        'immunization', 'encounter', 'other'];
  v_item record;
  v_step record;
  v_ids uuid[];
begin
  -- GUARD
  if p_page_number is null or p_page_number < 1 then
    raise exception 'record_page_extractions: p_page_number must be a positive integer' using errcode = '22023';
  end if;
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'record_page_extractions: p_items must be a JSON array' using errcode = '22023';
  end if;
  if p_model is null or btrim(p_model) = '' then
    raise exception 'record_page_extractions: p_model must not be empty' using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception 'record_page_extractions: p_tokens_used must be a non-negative integer' using errcode = '22023';
  end if;
  for v_item in select i.value, i.ordinality - 1 as idx from jsonb_array_elements(p_items) with ordinality i loop
    if jsonb_typeof(v_item.value) <> 'object' then
      raise exception 'record_page_extractions: p_items[%] must be a JSON object', v_item.idx using errcode = '22023';
    end if;
    if jsonb_typeof(v_item.value -> 'category') is distinct from 'string'
       or not ((v_item.value ->> 'category') = any (c_categories)) then
      raise exception 'record_page_extractions: p_items[%].category must be one of %', v_item.idx,
        array_to_string(c_categories, ', ') using errcode = '22023';
    end if;
    if jsonb_typeof(v_item.value -> 'label') is distinct from 'string'
       or length(btrim(v_item.value ->> 'label')) not between 1 and 500 then
      raise exception 'record_page_extractions: p_items[%].label must be a string of 1 to 500 characters', v_item.idx
        using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_item.value -> 'details'), 'null') not in ('null', 'object') then
      raise exception 'record_page_extractions: p_items[%].details must be a JSON object', v_item.idx
        using errcode = '22023';
    end if;
    if coalesce(jsonb_typeof(v_item.value -> 'confidence'), 'null') not in ('null', 'number')
       or (jsonb_typeof(v_item.value -> 'confidence') = 'number'
           and (v_item.value ->> 'confidence')::numeric not between 0 and 1) then
      raise exception 'record_page_extractions: p_items[%].confidence must be a number between 0 and 1', v_item.idx
        using errcode = '22023';
    end if;
  end loop;

  -- FENCE + PROGRESS + TOKENS + BEAT
  select s.shell_file_id, s.patient_id, s.previous_progress, s.advanced into v_step
    from private.record_job_step('record_page_extractions', p_job_id, p_worker_id,
           jsonb_build_object('pass2_done', p_page_number), p_tokens_used) s;
  if not found then
    return false;
  end if;

  -- ORDER: the page went through pass 1; pages in order.
  perform private.require_page_in_order('record_page_extractions', v_step.previous_progress, p_page_number,
    'pass2_done', 'pass1_done', 'has not been through pass 1 yet');
  if not v_step.advanced then
    return true;  -- ALREADY RECORDED (p_page_number <= pass2_done): no rows, no tokens
  end if;

  -- RESULT: one row per item (a page with no items writes none).
  with inserted as (
    insert into public.clinical_extractions as x (
      shell_file_id, page_number, item_index, patient_id, category, label, details, confidence, model, job_id
    )
    select v_step.shell_file_id, p_page_number, (i.ordinality - 1)::integer, v_step.patient_id,
           i.value ->> 'category', btrim(i.value ->> 'label'),
           case when jsonb_typeof(i.value -> 'details') = 'object' then i.value -> 'details' else '{}'::jsonb end,
           (i.value ->> 'confidence')::numeric, btrim(p_model), p_job_id
      from jsonb_array_elements(p_items) with ordinality i
     order by i.ordinality
    on conflict do nothing
    returning x.id, x.item_index
  )
  select array_agg(n.id order by n.item_index) into v_ids from inserted n;

  if cardinality(v_ids) > 0 then
    perform public.log_audit_event(
      'clinical_extractions', v_step.shell_file_id::text || ':' || p_page_number, 'INSERT', null,
      jsonb_build_object('page_number', p_page_number, 'items', cardinality(v_ids), 'ids', to_jsonb(v_ids),
                         'model', btrim(p_model), 'tokens_used', p_tokens_used),
      'clinical items extracted (AI pass 2)', 'clinical', v_step.patient_id, p_job_id);
  end if;
  return true;
end
$$;
comment on function public.record_page_extractions(uuid, text, integer, jsonb, text, integer) is
  'Worker step "pass2" (fenced): writes one clinical_extractions row per element of p_items ({category, label, details?, confidence?}; item_index = position from 0; key shell_file_id, page_number, item_index), advances progress pass2_done and adds p_tokens_used (what the pass 2 call used; default 0) to progress tokens_used; one audit event (clinical) listing the new row ids and the tokens, none for a page without items (whose tokens still count). A page already recorded (p_page_number <= pass2_done) is a no-op answering true: no rows, no tokens. Returns false and writes nothing when p_worker_id does not hold the job. service_role only. Raises 22023 (p_page_number positive and within page_count; p_items an array of objects with a known category, a label of 1..500 characters, details an object, confidence 0..1, naming the element as p_items[i]; p_model non-empty; p_tokens_used >= 0), 55000 (not inspected yet; the page has not been through pass 1; a page out of order). Nothing is written on error.';
revoke all on function public.record_page_extractions(uuid, text, integer, jsonb, text, integer) from public, anon, authenticated;
grant execute on function public.record_page_extractions(uuid, text, integer, jsonb, text, integer) to service_role;

-- =============================================================================
-- FUNCTION: record_narrative (fenced) — AI pass 3 → clinical_narratives
-- =============================================================================
create or replace function public.record_narrative(
  p_job_id uuid,
  p_worker_id text,
  p_title text,
  p_narrative text,
  p_model text,
  p_tokens_used integer
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step record;
  v_page_count integer;
  v_pass2_done integer;
  v_id uuid;
begin
  -- GUARD
  if p_title is null or length(btrim(p_title)) not between 1 and 300 then
    raise exception 'record_narrative: p_title must be 1 to 300 characters' using errcode = '22023';
  end if;
  if p_narrative is null or btrim(p_narrative) = '' then
    raise exception 'record_narrative: p_narrative must not be empty' using errcode = '22023';
  end if;
  if p_model is null or btrim(p_model) = '' then
    raise exception 'record_narrative: p_model must not be empty' using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception 'record_narrative: p_tokens_used must be a non-negative integer' using errcode = '22023';
  end if;

  -- FENCE + PROGRESS + TOKENS + BEAT
  select s.shell_file_id, s.patient_id, s.previous_progress, s.advanced into v_step
    from private.record_job_step('record_narrative', p_job_id, p_worker_id,
           jsonb_build_object('narrative_done', true), p_tokens_used) s;
  if not found then
    return false;
  end if;

  -- ORDER: every page went through pass 2.
  v_page_count := (v_step.previous_progress ->> 'page_count')::integer;
  v_pass2_done := coalesce((v_step.previous_progress ->> 'pass2_done')::integer, 0);
  if v_page_count is null then
    raise exception 'record_narrative: the document has not been inspected yet' using errcode = '55000';
  end if;
  if v_pass2_done < v_page_count then
    raise exception 'record_narrative: pass 2 is done for % of % pages', v_pass2_done, v_page_count
      using errcode = '55000';
  end if;
  if not v_step.advanced then
    return true;  -- ALREADY RECORDED (narrative_done was true): no row, no tokens
  end if;

  -- RESULT
  insert into public.clinical_narratives as n (shell_file_id, patient_id, title, narrative, model, tokens_used, job_id)
  values (v_step.shell_file_id, v_step.patient_id, btrim(p_title), p_narrative, btrim(p_model), p_tokens_used, p_job_id)
  on conflict do nothing
  returning n.id into v_id;

  if v_id is not null then
    perform public.log_audit_event(
      'clinical_narratives', v_id::text, 'INSERT', null,
      jsonb_build_object('shell_file_id', v_step.shell_file_id, 'model', btrim(p_model),
                         'tokens_used', p_tokens_used, 'narrative_length', length(p_narrative)),
      'narrative recorded (AI pass 3)', 'clinical', v_step.patient_id, p_job_id);
  end if;
  return true;
end
$$;
comment on function public.record_narrative(uuid, text, text, text, text, integer) is
  'Worker step "narrative" (fenced): writes the document''s clinical_narratives row (key shell_file_id, with p_tokens_used), sets progress narrative_done and adds p_tokens_used to progress tokens_used; audited (clinical; lengths, not content). A second call is a no-op answering true: no row, no tokens. Returns false and writes nothing when p_worker_id does not hold the job. service_role only. Raises 22023 (p_title 1..300 characters; p_narrative, p_model non-empty; p_tokens_used >= 0), 55000 (not inspected yet; pass 2 not done for every page). Nothing is written on error.';
revoke all on function public.record_narrative(uuid, text, text, text, text, integer) from public, anon, authenticated;
grant execute on function public.record_narrative(uuid, text, text, text, text, integer) to service_role;

-- =============================================================================
-- FUNCTION: finish_shell_file_job (fenced) — the last step
-- USAGE is read here, never taken from the caller: tokens = job_result.tokens_used (the
-- sum private.record_job_step kept, once per recorded step), seconds = the database's
-- now() - shell_files.processing_started_at (from the first recorded step to the
-- finish: waits for capacity, chained invocations and retries included; one clock).
-- =============================================================================
create or replace function public.finish_shell_file_job(
  p_job_id uuid,
  p_worker_id text
)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_step record;
  v_progress jsonb;
  v_page_count integer;
  v_tokens integer;
  v_seconds integer;
begin
  -- FENCE + PROGRESS + BEAT (finish adds no tokens of its own)
  select s.shell_file_id, s.patient_id, s.previous_progress into v_step
    from private.record_job_step('finish_shell_file_job', p_job_id, p_worker_id,
           jsonb_build_object('finished', true)) s;
  if not found then
    return false;
  end if;

  -- DONE? every page through text, pass 1 and pass 2, and the narrative.
  v_progress := v_step.previous_progress;
  v_page_count := (v_progress ->> 'page_count')::integer;
  if v_page_count is null
     or coalesce((v_progress ->> 'text_done')::integer, 0) < v_page_count
     or coalesce((v_progress ->> 'pass1_done')::integer, 0) < v_page_count
     or coalesce((v_progress ->> 'pass2_done')::integer, 0) < v_page_count
     or coalesce(v_progress -> 'narrative_done', 'false'::jsonb) <> 'true'::jsonb then
    raise exception 'finish_shell_file_job: the document is not fully processed (pages %, text %, pass 1 %, pass 2 %, narrative %)',
      coalesce(v_page_count::text, 'not inspected'),
      coalesce(v_progress ->> 'text_done', '0'), coalesce(v_progress ->> 'pass1_done', '0'),
      coalesce(v_progress ->> 'pass2_done', '0'), coalesce(v_progress ->> 'narrative_done', 'false')
      using errcode = '55000';
  end if;

  -- USAGE: what the recorded steps used, and how long since the first of them.
  v_tokens := case when jsonb_typeof(v_progress -> 'tokens_used') = 'number'
                   then (v_progress ->> 'tokens_used')::integer else 0 end;
  select coalesce(greatest(0, round(extract(epoch from now() - f.processing_started_at))), 0)::integer
    into v_seconds
    from public.shell_files f
   where f.id = v_step.shell_file_id;

  -- COMPLETE: the job (audited by complete_job), then the shell file.
  if not public.complete_job(p_job_id, p_worker_id, jsonb_build_object('processing_seconds', v_seconds)) then
    -- Cannot happen: the row is locked and was just beaten by the holder.
    raise exception 'finish_shell_file_job: the job could not be completed' using errcode = '55000';
  end if;

  update public.shell_files f
     set status = 'completed',
         page_count = coalesce(f.page_count, v_page_count),
         processing_completed_at = now(),
         processing_error = null,
         updated_at = now()
   where f.id = v_step.shell_file_id;

  perform public.track_ai_processing_usage(v_step.patient_id, p_job_id, v_tokens, v_seconds);

  perform public.log_audit_event(
    'shell_files', v_step.shell_file_id::text, 'UPDATE', null,
    jsonb_build_object('status', 'completed', 'page_count', v_page_count, 'tokens_used', v_tokens,
                       'processing_seconds', v_seconds),
    'document processed', 'clinical', v_step.patient_id, p_job_id);
  return true;
end
$$;
comment on function public.finish_shell_file_job(uuid, text) is
  'Worker step "finish" (fenced): once progress shows every page through text, pass 1 and pass 2 and the narrative done, completes the job (complete_job; job_result keeps tokens_used and gains finished and processing_seconds), marks the shell file completed (processing_completed_at), counts AI usage (track_ai_processing_usage, once per job) with tokens = progress tokens_used (the sum of every recorded step''s tokens, kept by private.record_job_step) and seconds = now() - shell_files.processing_started_at (rounded; waits and retries included), both read by the database, not passed by the caller, and audits (clinical). Returns false and writes nothing when p_worker_id does not hold the job (also a second finish: the job is completed). service_role only. Raises 22023 (null job id, empty worker id), 55000 (the document is not fully processed). Nothing is written on error.';
revoke all on function public.finish_shell_file_job(uuid, text) from public, anon, authenticated;
grant execute on function public.finish_shell_file_job(uuid, text) to service_role;

-- =============================================================================
-- FUNCTION: fail_shell_file_job (fenced through fail_job)
-- The shell file's processing_error is what the user sees: {code, message} from a
-- fixed catalogue keyed by p_error.code, never text taken from p_error (a provider
-- message may quote the document). An unknown code keeps its name (an identifier)
-- with a generic message.
-- =============================================================================
create or replace function public.fail_shell_file_job(
  p_job_id uuid,
  p_worker_id text,
  p_error jsonb,
  p_retryable boolean
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
  v_outcome text;
  v_code text;
  v_message text;
begin
  -- GUARD
  perform private.require_job_and_worker('fail_shell_file_job', p_job_id, p_worker_id);
  if p_error is null or jsonb_typeof(p_error) <> 'object' then
    raise exception 'fail_shell_file_job: p_error must be a JSON object' using errcode = '22023';
  end if;
  if p_retryable is null then
    raise exception 'fail_shell_file_job: p_retryable must not be null' using errcode = '22023';
  end if;

  -- FAIL: fail_job fences (null = not the holder, nothing written), retries or dead-letters.
  select q.shell_file_id, q.patient_id into v_job from public.job_queue q where q.id = p_job_id;
  v_outcome := public.fail_job(p_job_id, p_worker_id, p_error, p_retryable);
  if v_outcome is null or v_outcome <> 'dead_lettered' or v_job.shell_file_id is null then
    return v_outcome;  -- retrying: the shell file keeps its status
  end if;

  -- USER-SAFE ERROR
  v_code := case when jsonb_typeof(p_error -> 'code') = 'string' and (p_error ->> 'code') ~ '^[a-z][a-z0-9_]{0,63}$'
                 then p_error ->> 'code' else 'processing_failed' end;
  v_message := case
    when v_code in ('corrupt_document', 'invalid_document', 'unreadable_document')
      then 'The document could not be read. It may be damaged, or not a valid PDF or image.'
    when v_code in ('unsupported_document', 'unsupported_mime_type')
      then 'This kind of document is not supported. Upload a PDF, PNG, JPEG or TIFF file.'
    when v_code in ('encrypted_document', 'password_protected')
      then 'The document is password-protected. Upload a copy without a password.'
    when v_code in ('document_too_large', 'too_many_pages')
      then 'The document is too large to process.'
    when v_code in ('empty_document', 'no_pages')
      then 'The document has no pages.'
    when v_code in ('file_not_found', 'document_not_found')
      then 'The uploaded file could not be found. Upload it again.'
    else 'The document could not be processed. Try again later, or contact support if it keeps failing.'
  end;

  update public.shell_files f
     set status = 'failed',
         processing_error = jsonb_build_object('code', v_code, 'message', v_message),
         updated_at = now()
   where f.id = v_job.shell_file_id;

  perform public.log_audit_event(
    'shell_files', v_job.shell_file_id::text, 'UPDATE', null,
    jsonb_build_object('status', 'failed', 'error_code', v_code, 'retryable', p_retryable),
    'document processing failed', 'clinical', v_job.patient_id, p_job_id);
  return v_outcome;
end
$$;
comment on function public.fail_shell_file_job(uuid, text, jsonb, boolean) is
  'Worker: records a failed attempt through fail_job (same fence, backoff and dead-lettering). ''retrying'': the shell file keeps its status. ''dead_lettered'': the shell file becomes failed with processing_error = {code, message}, code = p_error.code when it is an identifier (else processing_failed) and message from a fixed catalogue (corrupt_document | invalid_document | unreadable_document, unsupported_document | unsupported_mime_type, encrypted_document | password_protected, document_too_large | too_many_pages, empty_document | no_pages, file_not_found | document_not_found, else generic), never text from p_error; audited (clinical). Null (nothing written) when p_worker_id does not hold the job. service_role only. Raises 22023 (null job id, empty worker id, p_error not an object, p_retryable null).';
revoke all on function public.fail_shell_file_job(uuid, text, jsonb, boolean) from public, anon, authenticated;
grant execute on function public.fail_shell_file_job(uuid, text, jsonb, boolean) to service_role;

-- =============================================================================
-- FUNCTION: release_job (fenced) — a worker out of time hands its job back
-- =============================================================================
create or replace function public.release_job(p_job_id uuid, p_worker_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows integer;
begin
  perform private.require_job_and_worker('release_job', p_job_id, p_worker_id);

  -- FENCE + RELEASE in one statement: pending, due now, no holder; retry_count,
  -- job_result (the checkpoints) and error_details stay as they are.
  update public.job_queue q
     set status = 'pending',
         worker_id = null,
         heartbeat_at = null,
         started_at = null,
         scheduled_at = now(),
         updated_at = now()
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id);
  get diagnostics v_rows = row_count;
  return v_rows = 1;
end
$$;
comment on function public.release_job(uuid, text) is
  'Worker: hands a job it holds back to the queue for the next invocation (status pending, scheduled_at = now(), worker_id and heartbeat cleared); no retry is counted, the checkpointed job_result is kept. True when released; false (nothing written) when p_worker_id does not hold the job. service_role only. Raises 22023 on a null job id or empty worker id.';
revoke all on function public.release_job(uuid, text) from public, anon, authenticated;
grant execute on function public.release_job(uuid, text) to service_role;

-- =============================================================================
-- FUNCTION: get_processing_status — what an app shows while a document is processed
-- =============================================================================
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

-- =============================================================================
-- FUNCTION: log_audit_events — batched audit events for audit-logger-v3
-- All or nothing. The rows are written directly (this function's owner owns
-- audit_log) so that actor_id names the end user on whose behalf the service role
-- writes: log_audit_event records auth.uid(), which is null for a service-role call.
-- The lists below are those of log_audit_event and of audit_log's CHECKs.
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
-- DRIVER: private.dispatch_workers + pg_cron dispatch-workers (every minute)
-- One job-worker invocation per claimable job, bounded per tick and by the jobs already
-- running. Overlapping ticks are harmless: a claim takes one job with SKIP LOCKED, and an
-- invocation that finds nothing returns. Throughput does not depend on the
-- tick: each invocation chains the next; the tick only guarantees liveness.
-- Runs as postgres (pg_cron schedules as the migration's role), which may read Vault.
-- =============================================================================
create or replace function private.dispatch_workers()
returns integer
language plpgsql
volatile
set search_path = pg_catalog, pg_temp
as $$
declare
  v_url text;
  v_key text;
  v_max integer := greatest(private.config_int('dispatch.max_invocations_per_tick', 8), 0);
  v_n integer;
begin
  -- BOUND: invocations chain themselves, so the running ones carry on without a tick; a
  -- tick only tops them up to dispatch.max_running_jobs (a job whose lease expired has no
  -- live worker and does not count).
  select least(v_max, greatest(private.config_int('dispatch.max_running_jobs', 8) - count(*), 0))::integer
    into v_max
    from public.job_queue j
   where j.status = 'processing'
     and j.job_type = 'shell_file_processing'
     and j.heartbeat_at + private.job_lease_timeout() >= now();

  -- SECRETS: the project URL and the service credential, from Vault.
  select max(s.decrypted_secret) filter (where s.name = 'project_url'),
         max(s.decrypted_secret) filter (where s.name = 'service_role_key')
    into v_url, v_key
    from vault.decrypted_secrets s
   where s.name in ('project_url', 'service_role_key');
  if v_url is null or btrim(v_url) = '' then
    raise exception 'dispatch_workers: Vault secret "project_url" is missing; create it with select vault.create_secret(''https://<project-ref>.supabase.co'', ''project_url'')'
      using errcode = '55000';
  end if;
  if v_key is null or btrim(v_key) = '' then
    raise exception 'dispatch_workers: Vault secret "service_role_key" is missing; create it with select vault.create_secret(''<service role key>'', ''service_role_key'')'
      using errcode = '55000';
  end if;

  -- WORK: the jobs the next claims would take (pending, due, in claim order, no more than
  -- the cap), but no more per provider endpoint than it has free concurrency slots: an
  -- invocation started without headroom would only reschedule its job. An endpoint
  -- without an active rate-limit row (or without a concurrency limit) is not limited here.
  select coalesce(sum(case when r.concurrent_requests is null then g.jobs
                           else least(g.jobs, greatest(r.concurrent_requests - r.active_requests, 0)) end), 0)::integer
    into v_n
    from (select q.api_provider, q.api_endpoint, count(*) as jobs
            from (select j.api_provider, j.api_endpoint
                    from public.job_queue j
                   where j.status = 'pending'
                     and j.job_type = 'shell_file_processing'
                     and j.scheduled_at <= now()
                   order by j.priority desc, j.created_at
                   limit v_max) q
           group by q.api_provider, q.api_endpoint) g
    left join public.api_rate_limits r
      on r.provider_name = g.api_provider and r.api_endpoint = g.api_endpoint and r.status = 'active';

  -- INVOKE: n requests, sent by pg_net once this transaction commits.
  for i in 1 .. v_n loop
    perform net.http_post(
      url := rtrim(btrim(v_url), '/') || '/functions/v1/job-worker',
      body := '{"source": "cron"}'::jsonb,
      headers := jsonb_build_object('Authorization', 'Bearer ' || btrim(v_key), 'Content-Type', 'application/json'),
      timeout_milliseconds := 5000);
  end loop;
  return v_n;
end
$$;
comment on function private.dispatch_workers() is
  'pg_cron dispatch-workers (every minute): reads project_url and service_role_key from vault.decrypted_secrets and sends n = least(claimable pending shell_file_processing jobs, dispatch.max_invocations_per_tick (default 8), dispatch.max_running_jobs (default 8) minus the shell_file_processing jobs processing under a live lease), counting per provider endpoint no more jobs than it has free concurrency slots, net.http_post calls to <project_url>/functions/v1/job-worker with "Authorization: Bearer <key>", body {"source": "cron"}, 5 s timeout; returns n. Raises 55000 naming the Vault secret that is missing. Internal; no grants (runs as postgres).';
revoke all on function private.dispatch_workers() from public, anon, authenticated;

-- pg_cron 1.4's cron.schedule(name, ...) updates the job of that name in place.
select cron.schedule('dispatch-workers', '* * * * *', 'select private.dispatch_workers()');

-- =============================================================================
-- VERIFY: what this file made exists, is shaped and granted as documented.
-- =============================================================================
do $$
declare
  v_problems text[] := array[]::text[];
  v_fn text;
  v_grantees text;
begin
  -- FUNCTIONS: definer with pinned search_path (RPCs), and exactly who may execute.
  for v_fn, v_grantees in
    select f.sig, f.who from (values
      ('public.create_shell_file_job(uuid, uuid, text, text, text, bigint, integer, text, integer)', 'service_role'),
      ('public.record_document_inspection(uuid, text, integer, integer[])', 'service_role'),
      ('public.record_page_text(uuid, text, integer, text, text, numeric, text, integer)', 'service_role'),
      ('public.record_page_entities(uuid, text, integer, jsonb, text, integer)', 'service_role'),
      ('public.record_page_extractions(uuid, text, integer, jsonb, text, integer)', 'service_role'),
      ('public.record_narrative(uuid, text, text, text, text, integer)', 'service_role'),
      ('public.finish_shell_file_job(uuid, text)', 'service_role'),
      ('public.fail_shell_file_job(uuid, text, jsonb, boolean)', 'service_role'),
      ('public.release_job(uuid, text)', 'service_role'),
      ('public.get_processing_status(uuid)', 'authenticated,service_role'),
      ('public.log_audit_events(uuid, jsonb)', 'service_role'),
      ('private.record_job_step(text, uuid, text, jsonb, integer)', ''),
      ('private.require_page_in_order(text, jsonb, integer, text, text, text)', ''),
      ('private.dispatch_workers()', '')
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
    -- One definition per name: an older argument list left behind (create or replace
    -- with other arguments adds an overload) would still be callable.
    if (select count(*) from pg_catalog.pg_proc p
         where p.pronamespace = (select pp.pronamespace from pg_catalog.pg_proc pp where pp.oid = to_regprocedure(v_fn))
           and p.proname = (select pp.proname from pg_catalog.pg_proc pp where pp.oid = to_regprocedure(v_fn))) > 1 then
      v_problems := v_problems || (v_fn || ' has another overload (an older signature left behind? drop it)');
    end if;
  end loop;

  -- BUCKET, as the intake and the mime allow-list expect it.
  if not exists (select 1 from storage.buckets b
                  where b.id = 'medical-docs' and not coalesce(b.public, false)
                    and b.file_size_limit = 52428800
                    and b.allowed_mime_types @> array['application/pdf', 'image/png', 'image/jpeg', 'image/tiff']
                    and b.allowed_mime_types <@ array['application/pdf', 'image/png', 'image/jpeg', 'image/tiff']) then
    v_problems := v_problems || 'storage bucket medical-docs (private, 50 MiB, pdf/png/jpeg/tiff)'::text;
  end if;
  foreach v_fn in array array['medical_docs_insert', 'medical_docs_select', 'medical_docs_delete'] loop
    if not exists (select 1 from pg_catalog.pg_policies p
                    where p.schemaname = 'storage' and p.tablename = 'objects' and p.policyname = v_fn) then
      v_problems := v_problems || ('policy storage.objects.' || v_fn);
    end if;
  end loop;

  -- CONFIGURATION AND SCHEDULE
  if not exists (select 1 from public.system_configuration c where c.config_key = 'dispatch.max_invocations_per_tick') then
    v_problems := v_problems || 'system_configuration row dispatch.max_invocations_per_tick'::text;
  end if;
  if not exists (select 1 from public.system_configuration c where c.config_key = 'dispatch.max_running_jobs') then
    v_problems := v_problems || 'system_configuration row dispatch.max_running_jobs'::text;
  end if;
  if not exists (select 1 from cron.job j
                  where j.jobname = 'dispatch-workers' and j.command = 'select private.dispatch_workers()' and j.active) then
    v_problems := v_problems || 'cron job dispatch-workers running "select private.dispatch_workers()"'::text;
  end if;

  if cardinality(v_problems) > 0 then
    raise exception '20261122000950_pipeline: % problem(s): %', cardinality(v_problems), array_to_string(v_problems, '; ');
  end if;
end
$$;
