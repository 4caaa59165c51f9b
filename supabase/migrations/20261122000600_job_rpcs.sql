-- =============================================================================
-- 06 JOB RPCs: the job lifecycle on public.job_queue.
--
--   enqueue_job_v3 ──▶ pending ──claim_next_job_v3──▶ processing ──complete_job──▶ completed
--                        ▲   ▲                        │  │  │
--                        │   └──── reschedule_job ────┘  │  └─ cancel_job ──▶ cancelled
--                        │         (no retry counted)    │     (also from pending)
--                        ├──── fail_job (retryable) ─────┤
--                        ├──── reclaim_expired_jobs ─────┤  lease expired, retries left
--                        │                               ▼
--                        └── retry_dead_letter ◀── failed + dead_letter_at (dead letter)
--
-- claim_next_jobs_v3 and complete_jobs do the same for up to 100 jobs in one call (one
-- round trip and one statement for a batch of small jobs); the single-job RPCs are them
-- with one job, so each transition is written once.
--
-- THE LEASE. A processing job is held by worker_id; heartbeat_at is its LAST beat,
-- and the lease ends at heartbeat_at + worker.timeout_seconds. Every state-changing
-- worker RPC (update_job_heartbeat, checkpoint_job, complete_job, reschedule_job,
-- fail_job) first passes private.job_lease_held(): status 'processing', same
-- worker_id, lease not expired. A worker that lost its job (lease expired, job
-- reclaimed, cancelled, claimed by someone else) is refused: false/null, nothing
-- written. worker_id must therefore be unique per claim (e.g. one per Edge Function
-- invocation): fencing compares worker ids.
--
-- RETRIES. retry_count counts failed attempts (fail_job and expired leases both
-- count one). A failure while retry_count < max_retries goes back to pending;
-- otherwise the job is dead-lettered. So a job runs at most 1 + max_retries times,
-- and a dead-lettered job has retry_count = max_retries + 1.
-- reschedule_job ("no capacity now") does not count a retry.
--
-- HISTORY. error_details is an object: 'attempts' is an array of events
-- ({at, event, worker_id, ...}; events: failed, lease_expired, rescheduled,
-- cancelled, retried_from_dead_letter), the last 50 kept; 'dead_letter_reason'
-- is set while the job is in the dead-letter queue.
--
-- worker_id on a finished job (completed, failed, cancelled) names its last holder,
-- for operators; heartbeat_at is cleared, so job_queue_lease_consistent holds. A
-- pending job has neither.
--
-- Audit (public.log_audit_event, with patient_id and job_id): enqueue, completion,
-- every dead-lettering, cancel and retry_dead_letter. Heartbeats, checkpoints,
-- reschedules and retries are in error_details/job_result, not the audit log.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs from earlier migrations (review 000).
-- -----------------------------------------------------------------------------
do $$
begin
  if to_regclass('public.job_queue') is null or to_regclass('public.job_lanes') is null then
    raise exception '20261122000600_job_rpcs: tables public.job_queue / public.job_lanes are missing (apply 20261122000400_job_queue first)';
  end if;
  if to_regclass('public.api_rate_limits') is null then
    raise exception '20261122000600_job_rpcs: table public.api_rate_limits is missing (apply 20261122000400_job_queue first)';
  end if;
  if to_regclass('public.user_profiles') is null or to_regclass('public.shell_files') is null then
    raise exception '20261122000600_job_rpcs: tables public.user_profiles / public.shell_files are missing (apply 20261122000200_profiles and 20261122000300_clinical_core first)';
  end if;
  if to_regprocedure('private.config_int(text, integer)') is null then
    raise exception '20261122000600_job_rpcs: function private.config_int(text, integer) is missing (apply 20261122000100_foundations first)';
  end if;
  if to_regprocedure('public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)') is null then
    raise exception '20261122000600_job_rpcs: function public.log_audit_event(...) is missing (apply 20261122000100_foundations first)';
  end if;
  if to_regprocedure('private.rate_limit_utilization(text, text)') is null then
    raise exception '20261122000600_job_rpcs: function private.rate_limit_utilization(text, text) is missing (apply 20261122000500_rate_limits first)';
  end if;
  if to_regprocedure('cron.schedule(text, text, text)') is null then
    raise exception '20261122000600_job_rpcs: pg_cron is missing (enable it: Database -> Extensions, or the local bootstrap)';
  end if;
end
$$;

-- =============================================================================
-- PRIVATE HELPERS (schema private: not exposed by PostgREST, no grants)
-- =============================================================================

-- Lease length, from worker.timeout_seconds. The sweeper and the fence both use it,
-- so "expired" and "held" are exact complements. plpgsql, not sql: a sql function with a
-- pinned search_path is never inlined and is planned again on every call, which cost
-- about 0.1 ms a call, three calls a job (BENCHMARKS.md, queue core).
create or replace function private.job_lease_timeout()
returns interval
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  return pg_catalog.make_interval(secs => greatest(private.config_int('worker.timeout_seconds', 180), 1));
end
$$;
comment on function private.job_lease_timeout() is
  'Lease length (worker.timeout_seconds, default 180, at least 1 s). A processing job whose heartbeat_at is older than now() minus this is expired. Internal.';
revoke all on function private.job_lease_timeout() from public, anon, authenticated;

-- THE FENCE: one predicate for every worker RPC. Called with the row's columns in
-- the WHERE of the UPDATE (or SELECT ... FOR UPDATE) that changes the job, so the
-- check and the write are one atomic step (READ COMMITTED re-checks it on the
-- latest row version after waiting for a concurrent writer).
create or replace function private.job_lease_held(
  p_status text,
  p_holder text,
  p_heartbeat_at timestamptz,
  p_worker_id text
)
returns boolean
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  -- plpgsql for the reason given at job_lease_timeout.
  return coalesce(
    p_status = 'processing'
    and p_holder = p_worker_id
    and p_heartbeat_at >= now() - private.job_lease_timeout(),
    false);
end
$$;
comment on function private.job_lease_held(text, text, timestamptz, text) is
  'Fencing predicate: true when a job row (status, worker_id, heartbeat_at) is processing, held by p_worker_id, and its lease has not expired (heartbeat_at >= now() - lease). Never null. Internal.';
revoke all on function private.job_lease_held(text, text, timestamptz, text) from public, anon, authenticated;

-- Argument guard shared by the worker RPCs (same messages everywhere).
create or replace function private.require_job_and_worker(p_function text, p_job_id uuid, p_worker_id text)
returns void
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
begin
  if p_job_id is null then
    raise exception '%: p_job_id must not be null', p_function using errcode = '22023';
  end if;
  if p_worker_id is null or btrim(p_worker_id) = '' then
    raise exception '%: p_worker_id must not be empty', p_function using errcode = '22023';
  end if;
end
$$;
comment on function private.require_job_and_worker(text, uuid, text) is
  'Raises 22023 "<p_function>: p_job_id must not be null" / "<p_function>: p_worker_id must not be empty". Internal guard of the worker RPCs.';
revoke all on function private.require_job_and_worker(text, uuid, text) from public, anon, authenticated;

-- Appends one event to error_details.attempts (keeps the last 50), stamping it
-- with now(). Anything that is not an object is kept under 'previous'.
create or replace function private.append_job_event(p_error_details jsonb, p_event jsonb)
returns jsonb
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  with base as (
    select case
             when p_error_details is null then '{}'::jsonb
             when jsonb_typeof(p_error_details) = 'object' then p_error_details
             else jsonb_build_object('previous', p_error_details)
           end as d
  ), appended as (
    select b.d,
           case when jsonb_typeof(b.d -> 'attempts') = 'array' then b.d -> 'attempts' else '[]'::jsonb end
           || jsonb_build_array(jsonb_build_object('at', now()) || coalesce(p_event, '{}'::jsonb)) as a
      from base b
  )
  select x.d || jsonb_build_object('attempts',
           case when jsonb_array_length(x.a) <= 50 then x.a
                else (select jsonb_agg(t.e order by t.i)
                        from jsonb_array_elements(x.a) with ordinality as t (e, i)
                       where t.i > jsonb_array_length(x.a) - 50)
           end)
    from appended x
$$;
comment on function private.append_job_event(jsonb, jsonb) is
  'Returns error_details with p_event (stamped {"at": now()}) appended to its "attempts" array, keeping the last 50 events; a non-object error_details is kept under "previous". Internal.';
revoke all on function private.append_job_event(jsonb, jsonb) from public, anon, authenticated;

-- Jitter for reschedule_job and fail_job: uniform in [0, min(50% of the delay, 30 s)).
create or replace function private.bounded_jitter_seconds(p_delay_seconds numeric)
returns numeric
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  select round((random() * least(greatest(coalesce(p_delay_seconds, 0), 0) * 0.5, 30))::numeric, 3)
$$;
comment on function private.bounded_jitter_seconds(numeric) is
  'Random jitter in seconds, 0 <= jitter <= min(p_delay_seconds / 2, 30), millisecond precision. Internal (reschedule_job, fail_job).';
revoke all on function private.bounded_jitter_seconds(numeric) from public, anon, authenticated;

-- =============================================================================
-- FUNCTION: enqueue_job_v3
-- Contract names as in the seeds (no p_ prefix), so every use is qualified as
-- enqueue_job_v3.<name>. Its result is the row type below rather than RETURNS
-- TABLE (job_id, scheduled_at): Postgres refuses an input and an output parameter
-- both named scheduled_at, and PostgREST 12 misreads the arguments of a function
-- whose OUT parameter comes first. Same columns, same order, same call.
-- =============================================================================
do $$
begin
  if to_regtype('public.enqueue_job_v3_result') is null then
    create type public.enqueue_job_v3_result as (job_id uuid, scheduled_at timestamptz);
  end if;
end
$$;
comment on type public.enqueue_job_v3_result is 'What enqueue_job_v3 returns: the new job''s id and when it is due.';

create or replace function public.enqueue_job_v3(
  job_type text,
  job_name text,
  job_payload jsonb,
  job_category text default 'standard',
  priority integer default 5,
  scheduled_at timestamptz default now(),
  job_lane text default null,
  patient_id uuid default null,
  shell_file_id uuid default null,
  max_retries integer default null
)
returns setof public.enqueue_job_v3_result
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  -- One list, also in job_queue's CHECK (tests/db/enqueue_job_v3 compares them).
  c_categories constant text[] := array['critical', 'high_priority', 'standard', 'background', 'maintenance'];
  v_allowed text;
  v_lane text;
  v_lane_provider text;
  v_lane_endpoint text;
  v_payload jsonb := enqueue_job_v3.job_payload;
  v_tokens jsonb;
  v_estimated_tokens integer := 1000;
  v_provider text;
  v_endpoint text;
  v_patient_id uuid := enqueue_job_v3.patient_id;
  v_file_patient_id uuid;
  v_max_retries integer;
  v_limit public.api_rate_limits%rowtype;
  v_depth bigint;
  v_utilization numeric;
  v_delay integer := 0;
  v_scheduled_at timestamptz := enqueue_job_v3.scheduled_at;
  v_job_id uuid;
begin
  -- GUARD: job_type and job_lane, against the registry (the FK's own table).
  if not exists (select 1 from public.job_lanes l where l.job_type = enqueue_job_v3.job_type) then
    select string_agg(distinct l.job_type, ', ' order by l.job_type) into v_allowed from public.job_lanes l;
    raise exception 'enqueue_job_v3: job_type must be one of %, got %',
      v_allowed, coalesce(left(enqueue_job_v3.job_type, 100), 'null') using errcode = '22023';
  end if;

  select l.job_lane, l.api_provider, l.api_endpoint
    into v_lane, v_lane_provider, v_lane_endpoint
    from public.job_lanes l
   where l.job_type = enqueue_job_v3.job_type
     and (case when enqueue_job_v3.job_lane is null then l.is_default
               else l.job_lane = enqueue_job_v3.job_lane end);
  if v_lane is null then
    select string_agg(l.job_lane, ', ' order by l.job_lane) into v_allowed
      from public.job_lanes l where l.job_type = enqueue_job_v3.job_type;
    if enqueue_job_v3.job_lane is null then
      raise exception 'enqueue_job_v3: job_type % has no default lane; job_lane must be one of %',
        enqueue_job_v3.job_type, v_allowed using errcode = '22023';
    end if;
    raise exception 'enqueue_job_v3: job_lane for job_type % must be one of %, got %',
      enqueue_job_v3.job_type, v_allowed, left(enqueue_job_v3.job_lane, 100) using errcode = '22023';
  end if;

  -- GUARD: the scalar arguments.
  if enqueue_job_v3.job_name is null or btrim(enqueue_job_v3.job_name) = '' then
    raise exception 'enqueue_job_v3: job_name must not be empty' using errcode = '22023';
  end if;
  if length(btrim(enqueue_job_v3.job_name)) > 200 then
    raise exception 'enqueue_job_v3: job_name must be at most 200 characters' using errcode = '22023';
  end if;
  if enqueue_job_v3.job_category is null or not (enqueue_job_v3.job_category = any (c_categories)) then
    raise exception 'enqueue_job_v3: job_category must be one of %, got %',
      array_to_string(c_categories, ', '), coalesce(left(enqueue_job_v3.job_category, 100), 'null')
      using errcode = '22023';
  end if;
  if enqueue_job_v3.priority is null or enqueue_job_v3.priority not between 1 and 10 then
    raise exception 'enqueue_job_v3: priority must be between 1 and 10, got %',
      coalesce(enqueue_job_v3.priority::text, 'null') using errcode = '22023';
  end if;
  if v_scheduled_at is null then
    raise exception 'enqueue_job_v3: scheduled_at must not be null' using errcode = '22023';
  end if;
  if enqueue_job_v3.max_retries is not null and enqueue_job_v3.max_retries not between 0 and 100 then
    raise exception 'enqueue_job_v3: max_retries must be between 0 and 100, got %',
      enqueue_job_v3.max_retries using errcode = '22023';
  end if;
  v_max_retries := coalesce(enqueue_job_v3.max_retries,
                            least(greatest(private.config_int('queue.default_max_retries', 3), 0), 100));

  -- GUARD: the payload: a non-empty object; estimated_tokens a non-negative integer;
  -- api_provider and api_endpoint both or neither, as non-empty strings.
  if v_payload is null or jsonb_typeof(v_payload) <> 'object' or v_payload = '{}'::jsonb then
    raise exception 'enqueue_job_v3: job_payload must be a non-empty JSON object' using errcode = '22023';
  end if;
  if v_payload ? 'estimated_tokens' then
    v_tokens := v_payload -> 'estimated_tokens';
    if jsonb_typeof(v_tokens) <> 'number' or (v_tokens #>> '{}') !~ '^[0-9]{1,10}$'
       or (v_tokens #>> '{}')::bigint > 2147483647 then
      raise exception 'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer'
        using errcode = '22023';
    end if;
    v_estimated_tokens := (v_tokens #>> '{}')::integer;
  end if;
  if (v_payload ? 'api_provider') <> (v_payload ? 'api_endpoint') then
    raise exception 'enqueue_job_v3: job_payload must name both api_provider and api_endpoint, or neither'
      using errcode = '22023';
  end if;
  if v_payload ? 'api_provider' then
    if jsonb_typeof(v_payload -> 'api_provider') <> 'string' or btrim(v_payload ->> 'api_provider') = ''
       or jsonb_typeof(v_payload -> 'api_endpoint') <> 'string' or btrim(v_payload ->> 'api_endpoint') = '' then
      raise exception 'enqueue_job_v3: job_payload.api_provider and job_payload.api_endpoint must be non-empty strings'
        using errcode = '22023';
    end if;
    v_provider := v_payload ->> 'api_provider';
    v_endpoint := v_payload ->> 'api_endpoint';
  else
    v_provider := v_lane_provider;
    v_endpoint := v_lane_endpoint;
  end if;

  -- GUARD: correlation ids. A shell file names its patient; a given patient must match.
  if enqueue_job_v3.shell_file_id is not null then
    select f.patient_id into v_file_patient_id
      from public.shell_files f where f.id = enqueue_job_v3.shell_file_id;
    if not found then
      raise exception 'enqueue_job_v3: shell_file_id does not match a shell file' using errcode = 'P0002';
    end if;
    if v_patient_id is null then
      v_patient_id := v_file_patient_id;
    elsif v_patient_id <> v_file_patient_id then
      raise exception 'enqueue_job_v3: patient_id does not match the shell file''s patient' using errcode = '22023';
    end if;
  elsif v_patient_id is not null
        and not exists (select 1 from public.user_profiles p where p.id = v_patient_id) then
    raise exception 'enqueue_job_v3: patient_id does not match a profile' using errcode = 'P0002';
  end if;

  if v_provider is not null then
    select r.* into v_limit
      from public.api_rate_limits r
     where r.provider_name = v_provider and r.api_endpoint = v_endpoint;

    -- QUEUE DEPTH: pending + processing jobs on this endpoint, whatever the row's
    -- status. Enqueues on one endpoint are serialized by an advisory lock until
    -- commit, so two concurrent callers cannot both take the last place.
    if v_limit.queue_depth_limit is not null then
      perform pg_catalog.pg_advisory_xact_lock(
        pg_catalog.hashtextextended('job_queue_depth:' || v_provider || ':' || v_endpoint, 0));
      select count(*) into v_depth
        from public.job_queue q
       where q.api_provider = v_provider and q.api_endpoint = v_endpoint
         and q.status in ('pending', 'processing');
      if v_depth >= v_limit.queue_depth_limit then
        raise exception 'enqueue_job_v3: queue for %:% is full (% jobs, limit %)',
          v_provider, v_endpoint, v_depth, v_limit.queue_depth_limit using errcode = '54000';
      end if;
    end if;

    -- BACKPRESSURE: the endpoint this job will call (NULL utilization = no active
    -- row = no backpressure). Over the threshold, delay = backpressure_delay_seconds
    -- x utilization / threshold (so it grows with the overshoot), rounded up, at
    -- most queue.max_backpressure_delay_seconds.
    v_utilization := private.rate_limit_utilization(v_provider, v_endpoint);
    if v_utilization is not null and v_utilization > v_limit.backpressure_threshold then
      v_delay := least(
        ceil(v_limit.backpressure_delay_seconds * v_utilization / v_limit.backpressure_threshold),
        greatest(private.config_int('queue.max_backpressure_delay_seconds', 300), 0))::integer;
      v_scheduled_at := v_scheduled_at + pg_catalog.make_interval(secs => v_delay);
    end if;
  end if;

  -- WRITE: the job, with the token estimate and the delay recorded in its payload.
  v_payload := v_payload || jsonb_build_object(
    'estimated_tokens', v_estimated_tokens,
    'backpressure_delay_seconds', v_delay);

  insert into public.job_queue (
    job_type, job_lane, job_name, job_category, job_payload, priority, status, scheduled_at,
    max_retries, api_provider, api_endpoint, patient_id, shell_file_id
  ) values (
    enqueue_job_v3.job_type, v_lane, btrim(enqueue_job_v3.job_name), enqueue_job_v3.job_category,
    v_payload, enqueue_job_v3.priority, 'pending', v_scheduled_at,
    v_max_retries, v_provider, v_endpoint, v_patient_id, enqueue_job_v3.shell_file_id
  )
  returning id into v_job_id;

  -- AUDIT: ids and routing only, never the payload.
  perform public.log_audit_event(
    'job_queue', v_job_id::text, 'INSERT', null,
    jsonb_build_object(
      'job_type', enqueue_job_v3.job_type, 'job_lane', v_lane, 'priority', enqueue_job_v3.priority,
      'scheduled_at', v_scheduled_at, 'api_provider', v_provider, 'api_endpoint', v_endpoint,
      'backpressure_delay_seconds', v_delay, 'shell_file_id', enqueue_job_v3.shell_file_id),
    'job enqueued', 'system', v_patient_id, v_job_id);

  return query select v_job_id, v_scheduled_at;
end
$$;
comment on function public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer) is
  'Queues a job; returns (job_id, scheduled_at). service_role only. job_type/job_lane checked against public.job_lanes (null lane = the type''s default); payload a non-empty object; estimated_tokens (default 1000) and backpressure_delay_seconds written into it; provider/endpoint from payload api_provider+api_endpoint or the lane. Backpressure from private.rate_limit_utilization on that endpoint delays scheduled_at (bounded by queue.max_backpressure_delay_seconds). Raises 22023 (bad argument), P0002 (unknown patient_id/shell_file_id), 54000 (queue_depth_limit reached). Audited.';
revoke all on function public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer) from public, anon, authenticated;
grant execute on function public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer) to service_role;

-- =============================================================================
-- FUNCTION: reclaim_expired_jobs — the sweeper (claim_next_jobs_v3 and pg_cron)
-- =============================================================================
create or replace function public.reclaim_expired_jobs()
returns table (reclaimed integer, dead_lettered integer)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_timeout interval := private.job_lease_timeout();
  v_jitter_max integer := greatest(private.config_int('worker.reclaim_jitter_max_seconds', 10), 0);
  v_batch integer := greatest(private.config_int('queue.sweep_batch_size', 500), 1);
  v_job record;
begin
  reclaimed := 0;
  dead_lettered := 0;

  -- RECLAIM: `status = 'processing' and heartbeat_at < <constant>` is exactly the
  -- partial index job_queue_lease_idx (heartbeat_at) WHERE status = 'processing':
  -- a range scan over live leases only, however many finished rows the table
  -- holds. At most queue.sweep_batch_size rows per call, oldest beat first; SKIP
  -- LOCKED so overlapping sweeps (cron + claims) neither block nor double-count.
  for v_job in
    with expired as (
      select q.id
        from public.job_queue q
       where q.status = 'processing'
         and q.heartbeat_at < now() - v_timeout
       order by q.heartbeat_at
       limit v_batch
         for update skip locked
    )
    update public.job_queue q
       set status = case when q.retry_count < q.max_retries then 'pending' else 'failed' end,
           retry_count = q.retry_count + 1,
           worker_id = case when q.retry_count < q.max_retries then null else q.worker_id end,
           heartbeat_at = null,
           started_at = case when q.retry_count < q.max_retries then null else q.started_at end,
           scheduled_at = case when q.retry_count < q.max_retries
                               then now() + pg_catalog.make_interval(secs => random() * v_jitter_max)
                               else q.scheduled_at end,
           dead_letter_at = case when q.retry_count < q.max_retries then null else now() end,
           error_details = private.append_job_event(q.error_details, jsonb_build_object(
                             'event', 'lease_expired',
                             'worker_id', q.worker_id,
                             'last_heartbeat_at', q.heartbeat_at,
                             'retry_count', q.retry_count + 1,
                             'outcome', case when q.retry_count < q.max_retries
                                             then 'retrying' else 'dead_lettered' end))
                           || case when q.retry_count < q.max_retries then '{}'::jsonb
                                   else jsonb_build_object('dead_letter_reason', 'lease_expired_max_retries') end,
           updated_at = now()
      from expired e
     where q.id = e.id
    returning q.id, q.status, q.worker_id, q.patient_id
  loop
    if v_job.status = 'pending' then
      reclaimed := reclaimed + 1;
    else
      dead_lettered := dead_lettered + 1;
      -- AUDIT: a dead-lettering is an outcome operators must find.
      perform public.log_audit_event(
        'job_queue', v_job.id::text, 'UPDATE', null,
        jsonb_build_object('status', 'failed', 'dead_letter_reason', 'lease_expired_max_retries',
                           'worker_id', v_job.worker_id),
        'job dead-lettered: lease expired with no retries left', 'system', v_job.patient_id, v_job.id);
    end if;
  end loop;

  return next;
end
$$;
comment on function public.reclaim_expired_jobs() is
  'Sweeper: processing jobs whose lease expired (heartbeat_at + worker.timeout_seconds < now()) go back to pending after a random delay in [0, worker.reclaim_jitter_max_seconds] with a lease_expired event naming the old worker, or, with no retries left, to failed + dead_letter_at (reason lease_expired_max_retries, audited). retry_count + 1 either way. At most queue.sweep_batch_size rows per call, SKIP LOCKED. Returns one row (reclaimed, dead_lettered). service_role only; run by claim_next_job_v3 and pg_cron every minute.';
revoke all on function public.reclaim_expired_jobs() from public, anon, authenticated;
grant execute on function public.reclaim_expired_jobs() to service_role;

-- =============================================================================
-- FUNCTION: claim_next_jobs_v3 — up to max_jobs jobs in one call
-- The one claim statement of the queue; claim_next_job_v3 is this with max_jobs = 1. A
-- batch costs one sweep probe, one statement and one round trip for all its jobs, which is
-- what lets a queue of small jobs keep up with the libraries that fetch in batches
-- (BENCHMARKS.md, queue core). Every job of a batch has its own lease, started now: a worker
-- that takes more jobs than it can finish within worker.timeout_seconds loses the rest to
-- the sweeper, so the cap is low (100) and the default lower (10).
-- =============================================================================
create or replace function public.claim_next_jobs_v3(
  worker_id text,
  job_types text[] default null,
  job_lanes text[] default null,
  max_jobs integer default 10
)
returns table (
  job_id uuid,
  job_type text,
  job_lane text,
  job_payload jsonb,
  job_result jsonb,
  retry_count integer,
  max_retries integer,
  patient_id uuid,
  shell_file_id uuid,
  lease_expires_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_timeout interval := private.job_lease_timeout();
begin
  -- GUARD
  if claim_next_jobs_v3.worker_id is null or btrim(claim_next_jobs_v3.worker_id) = '' then
    raise exception 'claim_next_jobs_v3: worker_id must not be empty' using errcode = '22023';
  end if;
  if claim_next_jobs_v3.max_jobs is null or claim_next_jobs_v3.max_jobs not between 1 and 100 then
    raise exception 'claim_next_jobs_v3: max_jobs must be between 1 and 100, got %',
      coalesce(claim_next_jobs_v3.max_jobs::text, 'null') using errcode = '22023';
  end if;

  -- RECLAIM: expired leases first, so their jobs are claimable (after their jitter). The
  -- sweeper's own predicate is probed first (job_queue_lease_idx): sweeping on every claim
  -- was 40 % of a claim's cost with nothing to sweep (BENCHMARKS.md, queue core).
  if exists (select 1 from public.job_queue q
              where q.status = 'processing' and q.heartbeat_at < now() - v_timeout) then
    perform public.reclaim_expired_jobs();
  end if;

  -- CLAIM: only pending jobs (a job whose lease someone holds is processing, never
  -- offered), due now, matching the filters (null = any; an empty array matches
  -- nothing), by priority then age (job_queue_claim_idx). SKIP LOCKED: concurrent
  -- claimers take different rows; a row another claimer just took is re-checked
  -- (no longer pending) and skipped. Returned in claim order.
  return query
  with next_jobs as (
    select q.id
      from public.job_queue q
     where q.status = 'pending'
       and q.scheduled_at <= now()
       and (claim_next_jobs_v3.job_types is null or q.job_type = any (claim_next_jobs_v3.job_types))
       and (claim_next_jobs_v3.job_lanes is null or q.job_lane = any (claim_next_jobs_v3.job_lanes))
     order by q.priority desc, q.created_at
     limit claim_next_jobs_v3.max_jobs
       for update skip locked
  ), claimed as (
    update public.job_queue q
       set status = 'processing',
           worker_id = claim_next_jobs_v3.worker_id,
           heartbeat_at = now(),
           started_at = now(),
           updated_at = now()
      from next_jobs n
     where q.id = n.id
       and q.status = 'pending'
    returning q.id, q.job_type, q.job_lane, q.job_payload, q.job_result, q.retry_count, q.max_retries,
              q.patient_id, q.shell_file_id, q.heartbeat_at + v_timeout as lease_expires_at,
              q.priority, q.created_at
  )
  select c.id, c.job_type, c.job_lane, c.job_payload, c.job_result, c.retry_count, c.max_retries,
         c.patient_id, c.shell_file_id, c.lease_expires_at
    from claimed c
   order by c.priority desc, c.created_at;
end
$$;
comment on function public.claim_next_jobs_v3(text, text[], text[], integer) is
  'Runs reclaim_expired_jobs when a lease has expired, then claims up to max_jobs (1..100, default 10) due pending jobs (optionally only job_types / job_lanes; null = any) by priority desc, created_at, FOR UPDATE SKIP LOCKED: each gets status processing, worker_id, heartbeat_at = started_at = now(), its own lease. Returns them in that order with their checkpointed job_result and lease_expires_at; no row when none is due. service_role only. Raises 22023 when worker_id is empty or max_jobs is out of range.';
revoke all on function public.claim_next_jobs_v3(text, text[], text[], integer) from public, anon, authenticated;
grant execute on function public.claim_next_jobs_v3(text, text[], text[], integer) to service_role;

-- =============================================================================
-- FUNCTION: claim_next_job_v3 — one job (the contract of the seeds)
-- =============================================================================
create or replace function public.claim_next_job_v3(
  worker_id text,
  job_types text[] default null,
  job_lanes text[] default null
)
returns table (
  job_id uuid,
  job_type text,
  job_lane text,
  job_payload jsonb,
  job_result jsonb,
  retry_count integer,
  max_retries integer,
  patient_id uuid,
  shell_file_id uuid,
  lease_expires_at timestamptz
)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- GUARD here too, so the error names the function the caller called.
  if claim_next_job_v3.worker_id is null or btrim(claim_next_job_v3.worker_id) = '' then
    raise exception 'claim_next_job_v3: worker_id must not be empty' using errcode = '22023';
  end if;
  return query
  select c.* from public.claim_next_jobs_v3(claim_next_job_v3.worker_id, claim_next_job_v3.job_types,
                                            claim_next_job_v3.job_lanes, 1) c;
end
$$;
comment on function public.claim_next_job_v3(text, text[], text[]) is
  'claim_next_jobs_v3 with max_jobs = 1: runs reclaim_expired_jobs when a lease has expired, then claims one due pending job (optionally only job_types / job_lanes; null = any) by priority desc, created_at, FOR UPDATE SKIP LOCKED: status processing, worker_id, heartbeat_at = started_at = now(). Returns the job with its checkpointed job_result and lease_expires_at, or no row. service_role only. Raises 22023 when worker_id is empty.';
revoke all on function public.claim_next_job_v3(text, text[], text[]) from public, anon, authenticated;
grant execute on function public.claim_next_job_v3(text, text[], text[]) to service_role;

-- =============================================================================
-- FUNCTION: update_job_heartbeat (fenced)
-- =============================================================================
create or replace function public.update_job_heartbeat(p_job_id uuid, p_worker_id text)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows integer;
begin
  perform private.require_job_and_worker('update_job_heartbeat', p_job_id, p_worker_id);

  -- FENCE + BEAT in one statement.
  update public.job_queue q
     set heartbeat_at = now(),
         updated_at = now()
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id);
  get diagnostics v_rows = row_count;
  return v_rows = 1;
end
$$;
comment on function public.update_job_heartbeat(uuid, text) is
  'Extends the caller''s lease (heartbeat_at = now()). True only when p_worker_id still holds the job (processing, same worker, lease not expired); false otherwise (nothing written). service_role only. Raises 22023 on a null job id or empty worker id.';
revoke all on function public.update_job_heartbeat(uuid, text) from public, anon, authenticated;
grant execute on function public.update_job_heartbeat(uuid, text) to service_role;

-- =============================================================================
-- FUNCTION: checkpoint_job (fenced) — progress of chunked work
-- Refusal is a return value (false), not an exception: losing a lease is an
-- expected outcome for a worker (it stops and leaves the job to its new owner),
-- and a boolean is what update_job_heartbeat already answers. Bad arguments raise.
-- =============================================================================
create or replace function public.checkpoint_job(p_job_id uuid, p_worker_id text, p_progress jsonb)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows integer;
begin
  perform private.require_job_and_worker('checkpoint_job', p_job_id, p_worker_id);
  if p_progress is null or jsonb_typeof(p_progress) <> 'object' then
    raise exception 'checkpoint_job: p_progress must be a JSON object' using errcode = '22023';
  end if;

  -- FENCE + MERGE + BEAT in one statement.
  update public.job_queue q
     set job_result = coalesce(q.job_result, '{}'::jsonb) || p_progress,
         heartbeat_at = now(),
         updated_at = now()
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id);
  get diagnostics v_rows = row_count;
  return v_rows = 1;
end
$$;
comment on function public.checkpoint_job(uuid, text, jsonb) is
  'Merges p_progress (top-level keys) into job_result and extends the lease, in one statement. Returns false and writes nothing when p_worker_id no longer holds the job (fencing; a refusal, not an error). service_role only. Raises 22023 on a null job id, empty worker id, or p_progress that is not a JSON object.';
revoke all on function public.checkpoint_job(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.checkpoint_job(uuid, text, jsonb) to service_role;

-- =============================================================================
-- FUNCTION: complete_jobs (fenced) — the jobs of a batch in one call
-- The one completion statement of the queue; complete_job is this with one id. Each job
-- is fenced on its own: the ones the caller still holds are completed and audited, the
-- others are left as they are and are simply not returned.
-- Seed defect fixed: the seeds audited even when the UPDATE matched nothing and then
-- returned FOUND after PERFORM had overwritten it. Here only the rows the UPDATE returned
-- (completions that happened) are audited.
-- =============================================================================
create or replace function public.complete_jobs(p_job_ids uuid[], p_worker_id text, p_job_result jsonb default null)
returns table (job_id uuid)
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- GUARD
  if p_job_ids is null or cardinality(p_job_ids) not between 1 and 100
     or array_position(p_job_ids, null) is not null then
    raise exception 'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null' using errcode = '22023';
  end if;
  if p_worker_id is null or btrim(p_worker_id) = '' then
    raise exception 'complete_jobs: p_worker_id must not be empty' using errcode = '22023';
  end if;
  if p_job_result is not null and jsonb_typeof(p_job_result) <> 'object' then
    raise exception 'complete_jobs: p_job_result must be a JSON object or null' using errcode = '22023';
  end if;

  -- FENCE + COMPLETE + AUDIT in one statement: an audit event for each completion that
  -- happened (the rows the UPDATE returned), written as log_audit_event writes one. One
  -- INSERT for the batch: a log_audit_event call per job cost about 60 µs a job, half of a
  -- batched completion (BENCHMARKS.md, queue core).
  return query
  with done as (
    update public.job_queue q
       set status = 'completed',
           completed_at = now(),
           heartbeat_at = null,
           job_result = coalesce(q.job_result, '{}'::jsonb) || coalesce(p_job_result, '{}'::jsonb),
           updated_at = now()
     where q.id = any (p_job_ids)
       and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id)
    returning q.id, q.patient_id
  ), audited as (
    insert into public.audit_log as a (
      table_name, record_id, operation, new_values, reason,
      compliance_category, patient_id, job_id, actor_id, actor_role
    )
    select 'job_queue', d.id::text, 'UPDATE', jsonb_build_object('status', 'completed', 'worker_id', p_worker_id),
           'job completed', 'system', d.patient_id, d.id, auth.uid(), coalesce(auth.role(), current_user)
      from done d
    returning a.job_id
  )
  select au.job_id from audited au;
end
$$;
comment on function public.complete_jobs(uuid[], text, jsonb) is
  'Completes the jobs of p_job_ids (1..100) that p_worker_id still holds: status completed, completed_at, p_job_result merged into each job_result (checkpoints kept), one audit event each. Returns the ids it completed; a job the caller no longer holds (or an unknown id) is not returned and nothing is written for it. service_role only. Raises 22023 on a null, empty, over-long or null-holding id list, an empty worker id, or a non-object p_job_result.';
revoke all on function public.complete_jobs(uuid[], text, jsonb) from public, anon, authenticated;
grant execute on function public.complete_jobs(uuid[], text, jsonb) to service_role;

-- =============================================================================
-- FUNCTION: complete_job (fenced) — one job (the contract of the seeds)
-- =============================================================================
create or replace function public.complete_job(p_job_id uuid, p_worker_id text, p_job_result jsonb default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- GUARD here too, so the error names the function the caller called.
  perform private.require_job_and_worker('complete_job', p_job_id, p_worker_id);
  if p_job_result is not null and jsonb_typeof(p_job_result) <> 'object' then
    raise exception 'complete_job: p_job_result must be a JSON object or null' using errcode = '22023';
  end if;
  return exists (select 1 from public.complete_jobs(array[p_job_id], p_worker_id, p_job_result));
end
$$;
comment on function public.complete_job(uuid, text, jsonb) is
  'complete_jobs with one id: completes a job the caller holds (status completed, completed_at, p_job_result merged into job_result, checkpoints kept), audited. Returns false and writes nothing (no audit) when p_worker_id no longer holds the job. service_role only. Raises 22023 on a null job id, empty worker id, or a non-object p_job_result.';
revoke all on function public.complete_job(uuid, text, jsonb) from public, anon, authenticated;
grant execute on function public.complete_job(uuid, text, jsonb) to service_role;

-- =============================================================================
-- FUNCTION: reschedule_job (fenced) — "no capacity now, try later"
-- Contract: (p_job_id, p_worker_id, p_delay_seconds, p_reason, p_add_jitter)
-- returns the new scheduled_at. The seeds disagree (plan: (job, delay, reason,
-- jitter) returning boolean, with no worker id and so no fencing; worker code:
-- (job, retry_count, error_message)); this signature is the one to call.
-- =============================================================================
create or replace function public.reschedule_job(
  p_job_id uuid,
  p_worker_id text,
  p_delay_seconds integer,
  p_reason text,
  p_add_jitter boolean default true
)
returns timestamptz
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_jitter numeric := 0;
  v_scheduled_at timestamptz;
begin
  perform private.require_job_and_worker('reschedule_job', p_job_id, p_worker_id);
  if p_delay_seconds is null or p_delay_seconds not between 0 and 86400 then
    raise exception 'reschedule_job: p_delay_seconds must be between 0 and 86400' using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'reschedule_job: p_reason must not be empty' using errcode = '22023';
  end if;
  if p_add_jitter is null then
    raise exception 'reschedule_job: p_add_jitter must not be null' using errcode = '22023';
  end if;

  -- JITTER: 0 <= jitter <= min(50% of the delay, 30 s).
  if p_add_jitter then
    v_jitter := private.bounded_jitter_seconds(p_delay_seconds);
  end if;

  -- FENCE + RESCHEDULE: only a processing job the caller holds, so a completed,
  -- failed or cancelled job is never reopened. retry_count is not touched.
  update public.job_queue q
     set status = 'pending',
         worker_id = null,
         heartbeat_at = null,
         started_at = null,
         scheduled_at = now() + pg_catalog.make_interval(secs => p_delay_seconds + v_jitter),
         error_details = private.append_job_event(q.error_details, jsonb_build_object(
                           'event', 'rescheduled',
                           'worker_id', p_worker_id,
                           'reason', left(p_reason, 500),
                           'delay_seconds', p_delay_seconds,
                           'jitter_seconds', v_jitter)),
         updated_at = now()
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id)
  returning q.scheduled_at into v_scheduled_at;

  return v_scheduled_at;
end
$$;
comment on function public.reschedule_job(uuid, text, integer, text, boolean) is
  'Gives a held job back for later without counting a retry: pending, scheduled_at = now() + p_delay_seconds + jitter (0..min(delay/2, 30 s) when p_add_jitter), reason appended to error_details.attempts. Returns the new scheduled_at, or null (nothing written) when p_worker_id does not hold the job, so completed/failed/cancelled jobs are never reopened. service_role only. Raises 22023 on bad arguments (delay 0..86400, reason non-empty).';
revoke all on function public.reschedule_job(uuid, text, integer, text, boolean) from public, anon, authenticated;
grant execute on function public.reschedule_job(uuid, text, integer, text, boolean) to service_role;

-- =============================================================================
-- FUNCTION: fail_job (fenced) — retry with exponential backoff, or dead-letter
-- Backoff: d = min(queue.retry_base_delay_seconds * 2^retry_count,
-- queue.retry_max_delay_seconds) with retry_count before this failure, plus
-- jitter 0..min(d/2, 30 s): next attempt in [now() + d, now() + d + min(d/2, 30)].
-- =============================================================================
create or replace function public.fail_job(
  p_job_id uuid,
  p_worker_id text,
  p_error jsonb,
  p_retryable boolean default true
)
returns text
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
  v_retry boolean;
  v_delay numeric := 0;
  v_jitter numeric := 0;
  v_reason text;
  v_base integer := greatest(private.config_int('queue.retry_base_delay_seconds', 10), 0);
  v_max integer := greatest(private.config_int('queue.retry_max_delay_seconds', 900), 0);
begin
  perform private.require_job_and_worker('fail_job', p_job_id, p_worker_id);
  if p_error is null or jsonb_typeof(p_error) <> 'object' then
    raise exception 'fail_job: p_error must be a JSON object' using errcode = '22023';
  end if;
  if p_retryable is null then
    raise exception 'fail_job: p_retryable must not be null' using errcode = '22023';
  end if;

  -- FENCE: lock the row only if the caller holds it; the update below is then ours.
  select q.retry_count, q.max_retries, q.patient_id
    into v_job
    from public.job_queue q
   where q.id = p_job_id
     and private.job_lease_held(q.status, q.worker_id, q.heartbeat_at, p_worker_id)
     for update;
  if not found then
    return null;
  end if;

  -- DECIDE: retry while retries are left, else dead-letter.
  v_retry := p_retryable and v_job.retry_count < v_job.max_retries;
  if v_retry then
    v_delay := round(least(v_base * power(2::numeric, v_job.retry_count), v_max));
    v_jitter := private.bounded_jitter_seconds(v_delay);
  else
    v_reason := case when p_retryable then 'max_retries_exhausted' else 'not_retryable' end;
  end if;

  update public.job_queue q
     set status = case when v_retry then 'pending' else 'failed' end,
         retry_count = q.retry_count + 1,
         worker_id = case when v_retry then null else q.worker_id end,
         heartbeat_at = null,
         started_at = case when v_retry then null else q.started_at end,
         scheduled_at = case when v_retry
                             then now() + pg_catalog.make_interval(secs => v_delay + v_jitter)
                             else q.scheduled_at end,
         dead_letter_at = case when v_retry then null else now() end,
         error_details = private.append_job_event(q.error_details, jsonb_build_object(
                           'event', 'failed',
                           'worker_id', p_worker_id,
                           'error', p_error,
                           'retryable', p_retryable,
                           'retry_count', q.retry_count + 1,
                           'outcome', case when v_retry then 'retrying' else 'dead_lettered' end,
                           'delay_seconds', v_delay,
                           'jitter_seconds', v_jitter))
                         || case when v_retry then '{}'::jsonb
                                 else jsonb_build_object('dead_letter_reason', v_reason) end,
         updated_at = now()
   where q.id = p_job_id;

  if v_retry then
    return 'retrying';
  end if;

  -- AUDIT: the dead-lettering.
  perform public.log_audit_event(
    'job_queue', p_job_id::text, 'UPDATE', null,
    jsonb_build_object('status', 'failed', 'dead_letter_reason', v_reason, 'worker_id', p_worker_id),
    'job dead-lettered', 'system', v_job.patient_id, p_job_id);
  return 'dead_lettered';
end
$$;
comment on function public.fail_job(uuid, text, jsonb, boolean) is
  'Records a failed attempt of a job the caller holds (retry_count + 1, p_error appended to error_details.attempts). Retryable with retries left: ''retrying'', pending at now() + min(base * 2^retry_count, max) + jitter 0..min(delay/2, 30 s). Otherwise ''dead_lettered'': failed, dead_letter_at, dead_letter_reason max_retries_exhausted | not_retryable, audited. Null (nothing written) when p_worker_id does not hold the job. service_role only. Raises 22023 on bad arguments.';
revoke all on function public.fail_job(uuid, text, jsonb, boolean) from public, anon, authenticated;
grant execute on function public.fail_job(uuid, text, jsonb, boolean) to service_role;

-- =============================================================================
-- OPERATORS: retry_dead_letter, cancel_job (service_role; the SQL editor runs as
-- postgres, the owner). Both answer false when the job is not in a state they
-- apply to, and raise P0002 for an unknown id.
-- =============================================================================
create or replace function public.retry_dead_letter(p_job_id uuid, p_reason text)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rows integer;
  v_patient_id uuid;
begin
  -- GUARD
  if p_job_id is null then
    raise exception 'retry_dead_letter: p_job_id must not be null' using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'retry_dead_letter: p_reason must not be empty' using errcode = '22023';
  end if;

  -- REOPEN: only a dead-lettered job; a fresh set of retries, due now.
  update public.job_queue q
     set status = 'pending',
         retry_count = 0,
         dead_letter_at = null,
         scheduled_at = now(),
         worker_id = null,
         heartbeat_at = null,
         started_at = null,
         completed_at = null,
         error_details = private.append_job_event(q.error_details - 'dead_letter_reason', jsonb_build_object(
                           'event', 'retried_from_dead_letter',
                           'reason', left(p_reason, 500),
                           'previous_retry_count', q.retry_count,
                           'previous_dead_letter_reason', q.error_details -> 'dead_letter_reason')),
         updated_at = now()
   where q.id = p_job_id
     and q.status = 'failed'
     and q.dead_letter_at is not null
  returning q.patient_id into v_patient_id;
  get diagnostics v_rows = row_count;

  if v_rows = 0 then
    if not exists (select 1 from public.job_queue q where q.id = p_job_id) then
      raise exception 'retry_dead_letter: job % not found', p_job_id using errcode = 'P0002';
    end if;
    return false;
  end if;

  perform public.log_audit_event(
    'job_queue', p_job_id::text, 'UPDATE', null,
    jsonb_build_object('status', 'pending', 'retry_count', 0),
    'dead letter retried: ' || left(p_reason, 500), 'system', v_patient_id, p_job_id);
  return true;
end
$$;
comment on function public.retry_dead_letter(uuid, text) is
  'Operator: puts a dead-lettered job (failed with dead_letter_at) back to pending now with retry_count 0; the reason is appended to error_details.attempts and audited. False when the job is not dead-lettered. service_role only. Raises 22023 on a null id or empty reason, P0002 for an unknown job.';
revoke all on function public.retry_dead_letter(uuid, text) from public, anon, authenticated;
grant execute on function public.retry_dead_letter(uuid, text) to service_role;

create or replace function public.cancel_job(p_job_id uuid, p_reason text)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_job record;
begin
  -- GUARD
  if p_job_id is null then
    raise exception 'cancel_job: p_job_id must not be null' using errcode = '22023';
  end if;
  if p_reason is null or btrim(p_reason) = '' then
    raise exception 'cancel_job: p_reason must not be empty' using errcode = '22023';
  end if;

  -- CANCEL: pending or processing only. A processing job's holder is fenced out
  -- from here on (its status is no longer processing). worker_id stays as the
  -- last holder; heartbeat_at is cleared.
  with target as (
    select q.id, q.status as previous_status
      from public.job_queue q
     where q.id = p_job_id
       and q.status in ('pending', 'processing')
       for update
  )
  update public.job_queue q
     set status = 'cancelled',
         heartbeat_at = null,
         error_details = private.append_job_event(q.error_details, jsonb_build_object(
                           'event', 'cancelled',
                           'reason', left(p_reason, 500),
                           'previous_status', t.previous_status,
                           'worker_id', q.worker_id)),
         updated_at = now()
    from target t
   where q.id = t.id
  returning q.id, q.patient_id, t.previous_status, q.worker_id into v_job;

  if not found then
    if not exists (select 1 from public.job_queue q where q.id = p_job_id) then
      raise exception 'cancel_job: job % not found', p_job_id using errcode = 'P0002';
    end if;
    return false;
  end if;

  perform public.log_audit_event(
    'job_queue', p_job_id::text, 'UPDATE',
    jsonb_build_object('status', v_job.previous_status, 'worker_id', v_job.worker_id),
    jsonb_build_object('status', 'cancelled'),
    'job cancelled: ' || left(p_reason, 500), 'system', v_job.patient_id, p_job_id);
  return true;
end
$$;
comment on function public.cancel_job(uuid, text) is
  'Operator: cancels a pending or processing job (its holder is fenced out from then on); the reason is appended to error_details.attempts and audited. False when the job is already completed, failed or cancelled. service_role only. Raises 22023 on a null id or empty reason, P0002 for an unknown job.';
revoke all on function public.cancel_job(uuid, text) from public, anon, authenticated;
grant execute on function public.cancel_job(uuid, text) to service_role;

-- =============================================================================
-- SCHEDULE: the sweeper every minute. pg_cron 1.4's cron.schedule(name, ...)
-- updates the job of that name in place, so re-running this file changes nothing.
-- =============================================================================
select cron.schedule('reclaim-expired-jobs', '* * * * *', 'select public.reclaim_expired_jobs()');

-- =============================================================================
-- VERIFY: every RPC exists, runs as definer with a pinned search_path, and is
-- executable by service_role only; the sweeper is scheduled.
-- =============================================================================
do $$
declare
  v_fn text;
begin
  foreach v_fn in array array[
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)',
    'public.claim_next_jobs_v3(text, text[], text[], integer)',
    'public.claim_next_job_v3(text, text[], text[])',
    'public.update_job_heartbeat(uuid, text)',
    'public.checkpoint_job(uuid, text, jsonb)',
    'public.complete_jobs(uuid[], text, jsonb)',
    'public.complete_job(uuid, text, jsonb)',
    'public.reschedule_job(uuid, text, integer, text, boolean)',
    'public.fail_job(uuid, text, jsonb, boolean)',
    'public.retry_dead_letter(uuid, text)',
    'public.cancel_job(uuid, text)',
    'public.reclaim_expired_jobs()'
  ] loop
    if to_regprocedure(v_fn) is null then
      raise exception '20261122000600_job_rpcs: % was not created', v_fn;
    end if;
    if not exists (select 1 from pg_catalog.pg_proc p
                    where p.oid = to_regprocedure(v_fn) and p.prosecdef
                      and 'search_path=pg_catalog, pg_temp' = any (p.proconfig)) then
      raise exception '20261122000600_job_rpcs: % must be SECURITY DEFINER with search_path = pg_catalog, pg_temp', v_fn;
    end if;
    if has_function_privilege('anon', v_fn, 'execute')
       or has_function_privilege('authenticated', v_fn, 'execute')
       or not has_function_privilege('service_role', v_fn, 'execute') then
      raise exception '20261122000600_job_rpcs: % must be executable by service_role only', v_fn;
    end if;
  end loop;
  if not exists (select 1 from cron.job j
                  where j.jobname = 'reclaim-expired-jobs' and j.command = 'select public.reclaim_expired_jobs()') then
    raise exception '20261122000600_job_rpcs: cron job reclaim-expired-jobs is not scheduled';
  end if;
end
$$;
