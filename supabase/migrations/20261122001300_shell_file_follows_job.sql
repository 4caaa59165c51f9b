-- =============================================================================
-- 1300 SHELL FILE FOLLOWS JOB (issue 5, found by the soak): a document's
-- shell_files row settles when its processing job is settled by someone other
-- than the worker.
--
-- THE BUG. Only public.fail_shell_file_job (0950) moved a shell file to 'failed',
-- and only for the worker's own failures. Three job transitions left the document
-- where it was, so the user never learned what happened:
--   reclaim_expired_jobs   processing -> failed + dead_letter_at      (every worker died,
--                          dead_letter_reason lease_expired_max_retries): the file stayed
--                          'processing' forever;
--   cancel_job             pending | processing -> cancelled: the file stayed
--                          'queued' / 'processing';
--   retry_dead_letter      failed + dead_letter_at -> pending (dead_letter_at cleared):
--                          the file stayed 'failed' while its job ran again.
--
-- THE FIX. An AFTER UPDATE trigger on public.job_queue, private.shell_file_follows_job(),
-- fires for exactly those three row changes (its WHEN clause, below, matches the columns
-- those RPCs write; every other update of a job costs nothing) and settles the job's
-- shell file, with one audit event each (log_audit_event, 'clinical', the file's patient
-- and the job):
--   sweeper dead letter    -> 'failed', processing_error {processing_interrupted, the
--                             generic message of fail_shell_file_job's catalogue}, unless
--                             the file is already completed, failed or cancelled;
--   cancelled              -> 'cancelled', unless completed, failed or cancelled;
--   back from dead letter  'failed' -> 'queued', processing_error cleared.
--
-- WHAT IT LEAVES ALONE.
--   - fail_job's own dead letters (reasons not_retryable, max_retries_exhausted): the
--     worker reaches them through fail_shell_file_job, which sets the specific message
--     and writes the one audit event; the trigger adds nothing (no second event).
--   - Every other transition (claim, release, reschedule, retry with backoff, complete):
--     the record_* RPCs and finish_shell_file_job move the file themselves.
--   - A job whose shell_file_id is null, and a job that is not its shell file's
--     processing job (shell_files.processing_job_id): a side job that names a document
--     (e.g. a stand-alone AI pass) does not decide the document's status.
--
-- THE MESSAGE. The generic message is a literal here AND in fail_shell_file_job (0950):
-- sharing it through a helper would mean editing 0950's function, which this file does
-- not do. tests/db/shell_file_follows_job/sweeper_dead_letter.test.sql compares the
-- two, so they cannot drift apart unnoticed.
--
-- Re-running this file changes nothing (create or replace; the trigger is dropped and
-- created again with the same definition).
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs (review 000). One error naming everything missing.
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
  v_name text;
begin
  -- Tables and the columns the trigger's WHEN clause and body read or write.
  foreach v_name in array array[
    'public.job_queue.status', 'public.job_queue.dead_letter_at', 'public.job_queue.error_details',
    'public.job_queue.shell_file_id', 'public.job_queue.id',
    'public.shell_files.status', 'public.shell_files.processing_error', 'public.shell_files.processing_job_id',
    'public.shell_files.patient_id', 'public.shell_files.updated_at'
  ] loop
    if to_regclass(substring(v_name from '^[a-z_]+\.[a-z_]+')) is null then
      v_missing := v_missing || ('table ' || substring(v_name from '^[a-z_]+\.[a-z_]+'));
    elsif not exists (select 1 from pg_catalog.pg_attribute a
                       where a.attrelid = to_regclass(substring(v_name from '^[a-z_]+\.[a-z_]+'))
                         and a.attname = substring(v_name from '[a-z_]+$')
                         and not a.attisdropped) then
      v_missing := v_missing || ('column ' || v_name);
    end if;
  end loop;
  -- The audit, and the RPCs whose writes the trigger follows (named so that a
  -- deployment missing them says so here rather than never firing).
  foreach v_name in array array[
    'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)',
    'public.reclaim_expired_jobs()',
    'public.cancel_job(uuid, text)',
    'public.retry_dead_letter(uuid, text)',
    'public.fail_shell_file_job(uuid, text, jsonb, boolean)'
  ] loop
    if to_regprocedure(v_name) is null then
      v_missing := v_missing || ('function ' || v_name);
    end if;
  end loop;
  if cardinality(v_missing) > 0 then
    raise exception '20261122001300_shell_file_follows_job: missing dependencies: %', array_to_string(v_missing, '; ')
      using hint = 'Apply migrations 0100-1100 first (0300 clinical core, 0400 job queue, 0600 job RPCs, 0950 pipeline).';
  end if;
end
$$;

-- =============================================================================
-- FUNCTION: private.shell_file_follows_job() — trigger on public.job_queue
-- Runs as its owner (security definer): the job's writer may be the sweeper under
-- pg_cron, an operator in the SQL editor, or service_role through an RPC, and the
-- shell file and the audit are written the same way for all of them. The WHEN clause
-- of the trigger already selects the three transitions; the body tells them apart
-- with the same predicates, so it does nothing for any other row it might be given.
-- Lock order job_queue -> shell_files, as in record_job_step and fail_shell_file_job.
-- =============================================================================
create or replace function private.shell_file_follows_job()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- The generic entry of fail_shell_file_job's catalogue (0950), word for word.
  c_interrupted_code constant text := 'processing_interrupted';
  c_interrupted_message constant text :=
    'The document could not be processed. Try again later, or contact support if it keeps failing.';
  v_file record;
begin
  -- GUARD: a row UPDATE (NEW and OLD exist) of a job of a shell file whose status changed.
  if tg_op <> 'UPDATE' or tg_level <> 'ROW' then
    return null;
  end if;
  if new.shell_file_id is null or old.status is not distinct from new.status then
    return null;
  end if;

  -- DEAD LETTER BY THE SWEEPER: every worker died; the user sees a generic failure.
  if new.status = 'failed' and old.dead_letter_at is null and new.dead_letter_at is not null
     and new.error_details ->> 'dead_letter_reason' = 'lease_expired_max_retries' then
    with target as (
      select f.id, f.status as previous_status
        from public.shell_files f
       where f.id = new.shell_file_id
         and f.processing_job_id = new.id
         and f.status not in ('completed', 'failed', 'cancelled')
         for update
    )
    update public.shell_files f
       set status = 'failed',
           processing_error = jsonb_build_object('code', c_interrupted_code, 'message', c_interrupted_message),
           updated_at = now()
      from target t
     where f.id = t.id
    returning f.id, f.patient_id, t.previous_status into v_file;

    if found then
      perform public.log_audit_event(
        'shell_files', v_file.id::text, 'UPDATE',
        jsonb_build_object('status', v_file.previous_status),
        jsonb_build_object('status', 'failed', 'error_code', c_interrupted_code,
                           'dead_letter_reason', 'lease_expired_max_retries'),
        'document processing failed: the job was dead-lettered after its workers stopped',
        'clinical', v_file.patient_id, new.id);
    end if;
    return null;
  end if;

  -- CANCELLED (cancel_job): a finished document keeps its outcome.
  if new.status = 'cancelled' then
    with target as (
      select f.id, f.status as previous_status
        from public.shell_files f
       where f.id = new.shell_file_id
         and f.processing_job_id = new.id
         and f.status not in ('completed', 'failed', 'cancelled')
         for update
    )
    update public.shell_files f
       set status = 'cancelled',
           updated_at = now()
      from target t
     where f.id = t.id
    returning f.id, f.patient_id, t.previous_status into v_file;

    if found then
      perform public.log_audit_event(
        'shell_files', v_file.id::text, 'UPDATE',
        jsonb_build_object('status', v_file.previous_status),
        jsonb_build_object('status', 'cancelled'),
        'document processing cancelled', 'clinical', v_file.patient_id, new.id);
    end if;
    return null;
  end if;

  -- BACK FROM THE DEAD LETTER (retry_dead_letter): the document is queued again.
  if old.status = 'failed' and old.dead_letter_at is not null
     and new.status = 'pending' and new.dead_letter_at is null then
    with target as (
      select f.id, f.processing_error ->> 'code' as previous_code
        from public.shell_files f
       where f.id = new.shell_file_id
         and f.processing_job_id = new.id
         and f.status = 'failed'
         for update
    )
    update public.shell_files f
       set status = 'queued',
           processing_error = null,
           updated_at = now()
      from target t
     where f.id = t.id
    returning f.id, f.patient_id, t.previous_code into v_file;

    if found then
      perform public.log_audit_event(
        'shell_files', v_file.id::text, 'UPDATE',
        jsonb_build_object('status', 'failed', 'error_code', v_file.previous_code),
        jsonb_build_object('status', 'queued'),
        'document queued again: its job was taken back from the dead letter', 'clinical', v_file.patient_id, new.id);
    end if;
  end if;
  return null;
end
$$;
comment on function private.shell_file_follows_job() is
  'Trigger function of job_queue_shell_file_follows_job (AFTER UPDATE OF status ON public.job_queue, FOR EACH ROW). For a job with a shell file whose status changed, when the job is that shell file''s processing job (shell_files.processing_job_id): dead-lettered by the sweeper (dead_letter_at set, dead_letter_reason lease_expired_max_retries) -> the shell file becomes failed with processing_error {code processing_interrupted, fail_shell_file_job''s generic message}; cancelled -> cancelled; both unless the file is already completed, failed or cancelled. Taken back from the dead letter (failed with dead_letter_at -> pending without) -> a failed shell file becomes queued, processing_error cleared. Each change audited once (clinical, the file''s patient, the job). fail_job''s own dead letters are left to fail_shell_file_job. Returns null (AFTER trigger). Internal: no one executes it directly.';
revoke all on function private.shell_file_follows_job() from public, anon, authenticated;

-- =============================================================================
-- TRIGGER: job_queue_shell_file_follows_job. The WHEN clause is what the three RPCs
-- write (0600): reclaim_expired_jobs sets status 'failed', dead_letter_at and
-- error_details.dead_letter_reason = 'lease_expired_max_retries' (fail_job writes the
-- same columns with not_retryable / max_retries_exhausted, hence the reason);
-- cancel_job sets status 'cancelled'; retry_dead_letter sets status 'pending' and
-- clears dead_letter_at of a failed job. OF status: an update that does not set the
-- status (heartbeats, checkpoints) never evaluates it.
-- =============================================================================
drop trigger if exists job_queue_shell_file_follows_job on public.job_queue;
create trigger job_queue_shell_file_follows_job
  after update of status on public.job_queue
  for each row
  when (new.shell_file_id is not null
        and old.status is distinct from new.status
        and ((new.status = 'failed' and old.dead_letter_at is null and new.dead_letter_at is not null
              and new.error_details ->> 'dead_letter_reason' = 'lease_expired_max_retries')
             or new.status = 'cancelled'
             or (old.status = 'failed' and old.dead_letter_at is not null
                 and new.status = 'pending' and new.dead_letter_at is null)))
  execute function private.shell_file_follows_job();
comment on trigger job_queue_shell_file_follows_job on public.job_queue is
  'Settles a job''s shell file when the sweeper dead-letters the job, an operator cancels it, or takes it back from the dead letter (private.shell_file_follows_job; 20261122001300_shell_file_follows_job).';

-- =============================================================================
-- VERIFY: what this file made exists, is shaped and granted as documented.
-- =============================================================================
do $$
declare
  v_problems text[] := array[]::text[];
  v_fn constant text := 'private.shell_file_follows_job()';
begin
  -- FUNCTION: definer, pinned search_path, returns trigger, executable by no API role nor PUBLIC.
  if to_regprocedure(v_fn) is null then
    v_problems := v_problems || ('function ' || v_fn || ' was not created');
  else
    if not exists (select 1 from pg_catalog.pg_proc p
                    where p.oid = to_regprocedure(v_fn)
                      and p.prosecdef
                      and p.prorettype = 'pg_catalog.trigger'::regtype
                      and 'search_path=pg_catalog, pg_temp' = any (coalesce(p.proconfig, array[]::text[]))) then
      v_problems := v_problems || (v_fn || ' must be a SECURITY DEFINER trigger function with search_path = pg_catalog, pg_temp');
    end if;
    if has_function_privilege('anon', v_fn, 'execute')
       or has_function_privilege('authenticated', v_fn, 'execute')
       or has_function_privilege('service_role', v_fn, 'execute')
       or exists (select 1 from pg_catalog.pg_proc p,
                         pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                   where p.oid = to_regprocedure(v_fn) and a.grantee = 0) then
      v_problems := v_problems || (v_fn || ' must be executable by no API role and not by PUBLIC');
    end if;
  end if;

  -- TRIGGER: on job_queue, enabled, AFTER UPDATE, FOR EACH ROW, running the function.
  if not exists (select 1 from pg_catalog.pg_trigger t
                  where t.tgrelid = 'public.job_queue'::regclass
                    and t.tgname = 'job_queue_shell_file_follows_job'
                    and t.tgfoid = to_regprocedure(v_fn)
                    and t.tgenabled <> 'D'
                    and (t.tgtype::integer & (1 | 2 | 16)) = (1 | 16)  -- ROW, not BEFORE, UPDATE
                    and (t.tgtype::integer & (4 | 8 | 32 | 64)) = 0) then  -- no INSERT/DELETE/TRUNCATE, not INSTEAD
    v_problems := v_problems || 'trigger public.job_queue.job_queue_shell_file_follows_job (enabled, AFTER UPDATE FOR EACH ROW, private.shell_file_follows_job())'::text;
  end if;

  if cardinality(v_problems) > 0 then
    raise exception '20261122001300_shell_file_follows_job: % problem(s): %', cardinality(v_problems), array_to_string(v_problems, '; ');
  end if;
end
$$;
