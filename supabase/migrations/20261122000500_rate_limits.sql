-- =============================================================================
-- 05 RATE LIMITS: per provider endpoint request/token windows (minute AND hour),
-- concurrency slots held as leases, token reconciliation on release, recovery
-- of slots whose holder died, and the utilization figure backpressure reads.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs from earlier migrations (review 000).
-- -----------------------------------------------------------------------------
do $$
begin
  if to_regclass('public.api_rate_limits') is null then
    raise exception '20261122000500_rate_limits: table public.api_rate_limits is missing (apply 20261122000400_job_queue first)';
  end if;
  if to_regclass('public.api_capacity_leases') is null then
    raise exception '20261122000500_rate_limits: table public.api_capacity_leases is missing (apply 20261122000400_job_queue first)';
  end if;
  if to_regprocedure('private.config_int(text, integer)') is null then
    raise exception '20261122000500_rate_limits: function private.config_int(text, integer) is missing (apply 20261122000100_foundations first)';
  end if;
  if to_regprocedure('public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)') is null then
    raise exception '20261122000500_rate_limits: function public.log_audit_event(...) is missing (apply 20261122000100_foundations first)';
  end if;
  if to_regclass('public.job_queue') is null then
    raise exception '20261122000500_rate_limits: table public.job_queue is missing (apply 20261122000400_job_queue first)';
  end if;
  if to_regprocedure('cron.schedule(text, text, text)') is null then
    raise exception '20261122000500_rate_limits: pg_cron is not enabled (Database -> Extensions -> pg_cron, or create extension pg_cron)';
  end if;
end
$$;

-- -----------------------------------------------------------------------------
-- FUNCTION: private.rate_limit_utilization — the highest fraction of any
-- configured limit in use on one endpoint (0 = idle, 1 = at a limit). A counter
-- whose window started before the current fixed window counts as zero.
-- NULL when the endpoint has no 'active' row. Used by enqueue_job_v3.
-- -----------------------------------------------------------------------------
create or replace function private.rate_limit_utilization(p_provider text, p_endpoint text)
returns numeric
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
           greatest(
             case when r.minute_window_start < date_trunc('minute', now()) then 0
                  else r.current_requests_minute end::numeric / r.requests_per_minute,
             case when r.hour_window_start < date_trunc('hour', now()) then 0
                  else r.current_requests_hour end::numeric / r.requests_per_hour,
             case when r.minute_window_start < date_trunc('minute', now()) then 0
                  else r.current_tokens_minute end::numeric / r.tokens_per_minute,
             case when r.hour_window_start < date_trunc('hour', now()) then 0
                  else r.current_tokens_hour end::numeric / r.tokens_per_hour,
             r.active_requests::numeric / r.concurrent_requests),
           0)
    from public.api_rate_limits r
   where r.provider_name = p_provider
     and r.api_endpoint = p_endpoint
     and r.status = 'active'
$$;

comment on function private.rate_limit_utilization(text, text) is
  'Highest fraction (0..n) of any configured limit (requests/min, requests/hour, tokens/min, tokens/hour, active/concurrent) in use on provider:endpoint; a counter of a window older than the current fixed window counts as 0; 0 when no limit is configured; NULL when there is no active row. Internal (enqueue_job_v3 backpressure); no client grants.';
revoke all on function private.rate_limit_utilization(text, text) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- FUNCTION: private.reclaim_expired_capacity_for — frees the slots of one rate
-- limit row whose leases expired (the holder died without releasing). Locks the
-- row first, so every path that touches leases takes locks in the same order
-- (api_rate_limits row, then its leases) and cannot deadlock with acquire or
-- release. Tokens the dead holder was counted for stay counted (as a release
-- with no actual figure would keep the estimate). Returns the number freed.
-- -----------------------------------------------------------------------------
create or replace function private.reclaim_expired_capacity_for(p_rate_limit_id uuid)
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_freed integer := 0;
  v_leases jsonb;
begin
  -- LOCK: the rate limit row before any of its leases.
  perform 1 from public.api_rate_limits r where r.id = p_rate_limit_id for update;
  if not found then
    return 0;
  end if;

  -- RECLAIM: delete the expired leases and give their slots back, one statement.
  with freed as (
    delete from public.api_capacity_leases l
     where l.rate_limit_id = p_rate_limit_id
       and l.expires_at <= now()
    returning l.id, l.job_id, l.worker_id, l.expires_at
  ), counted as (
    select count(*)::integer as n,
           jsonb_agg(jsonb_build_object('lease_id', f.id, 'job_id', f.job_id,
                                        'worker_id', f.worker_id, 'expired_at', f.expires_at)
                     order by f.expires_at) as leases
      from freed f
  )
  update public.api_rate_limits r
     set active_requests = greatest(0, r.active_requests - c.n),
         updated_at = now()
    from counted c
   where r.id = p_rate_limit_id
     and c.n > 0
  returning c.n, c.leases into v_freed, v_leases;

  -- AUDIT: one event per row that had slots taken back.
  if coalesce(v_freed, 0) > 0 then
    perform public.log_audit_event(
      'api_rate_limits', p_rate_limit_id::text, 'UPDATE', null,
      jsonb_build_object('freed_slots', v_freed, 'leases', v_leases),
      'capacity leases expired; slots reclaimed', 'system');
  end if;
  return coalesce(v_freed, 0);
end
$$;

comment on function private.reclaim_expired_capacity_for(uuid) is
  'Frees the concurrency slots of one api_rate_limits row whose leases expired (deletes those leases, active_requests - n, never below 0; tokens stay counted); audits when any were freed; returns the number freed. Internal (acquire_api_capacity, reclaim_expired_capacity); no client grants.';
revoke all on function private.reclaim_expired_capacity_for(uuid) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- RPC: public.acquire_api_capacity — grants one request slot on an endpoint, or
-- not. Fixed windows: minute = date_trunc('minute', now()), hour =
-- date_trunc('hour', now()). One UPDATE rolls old windows over and admits only
-- if every configured limit (NULL = unlimited) still holds after adding one
-- request and the estimate; RETURNING gives the window starts the request was
-- counted in, recorded on the lease so release reconciles exactly that.
-- -----------------------------------------------------------------------------
create or replace function public.acquire_api_capacity(
  p_provider_name text,
  p_api_endpoint text,
  p_estimated_tokens integer default 1000,
  p_job_id uuid default null,
  p_worker_id text default null
)
returns uuid
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_minute timestamptz := date_trunc('minute', now());
  v_hour timestamptz := date_trunc('hour', now());
  v_rate_limit_id uuid;
  v_minute_start timestamptz;
  v_hour_start timestamptz;
  v_lease_id uuid;
begin
  -- GUARD: name the bad argument; write nothing.
  if p_provider_name is null or btrim(p_provider_name) = '' then
    raise exception 'acquire_api_capacity: p_provider_name must not be empty' using errcode = '22023';
  end if;
  if p_api_endpoint is null or btrim(p_api_endpoint) = '' then
    raise exception 'acquire_api_capacity: p_api_endpoint must not be empty' using errcode = '22023';
  end if;
  if p_estimated_tokens is null or p_estimated_tokens < 0 then
    raise exception 'acquire_api_capacity: p_estimated_tokens must be a non-negative integer' using errcode = '22023';
  end if;
  if p_job_id is not null and not exists (select 1 from public.job_queue j where j.id = p_job_id) then
    raise exception 'acquire_api_capacity: p_job_id does not name a job' using errcode = 'P0002';
  end if;

  -- LOCK: the active row for this endpoint; concurrent acquirers queue here.
  select r.id into v_rate_limit_id
    from public.api_rate_limits r
   where r.provider_name = p_provider_name
     and r.api_endpoint = p_api_endpoint
     and r.status = 'active'
     for update;
  if v_rate_limit_id is null then
    raise exception 'acquire_api_capacity: no active rate limit for %:%', p_provider_name, p_api_endpoint
      using errcode = 'P0002';
  end if;

  -- RECLAIM: slots whose holder died must not block this request.
  perform private.reclaim_expired_capacity_for(v_rate_limit_id);

  -- ADMIT: roll windows over and count the request, only if every limit holds.
  update public.api_rate_limits r
     set current_requests_minute = (case when r.minute_window_start < v_minute then 0 else r.current_requests_minute end) + 1,
         current_tokens_minute = (case when r.minute_window_start < v_minute then 0 else r.current_tokens_minute end) + p_estimated_tokens,
         minute_window_start = case when r.minute_window_start < v_minute then v_minute else r.minute_window_start end,
         current_requests_hour = (case when r.hour_window_start < v_hour then 0 else r.current_requests_hour end) + 1,
         current_tokens_hour = (case when r.hour_window_start < v_hour then 0 else r.current_tokens_hour end) + p_estimated_tokens,
         hour_window_start = case when r.hour_window_start < v_hour then v_hour else r.hour_window_start end,
         active_requests = r.active_requests + 1,
         updated_at = now()
   where r.id = v_rate_limit_id
     and (r.requests_per_minute is null
          or (case when r.minute_window_start < v_minute then 0 else r.current_requests_minute end)::bigint + 1
             <= r.requests_per_minute)
     and (r.requests_per_hour is null
          or (case when r.hour_window_start < v_hour then 0 else r.current_requests_hour end)::bigint + 1
             <= r.requests_per_hour)
     and (r.tokens_per_minute is null
          or (case when r.minute_window_start < v_minute then 0 else r.current_tokens_minute end)::bigint + p_estimated_tokens
             <= r.tokens_per_minute)
     and (r.tokens_per_hour is null
          or (case when r.hour_window_start < v_hour then 0 else r.current_tokens_hour end)::bigint + p_estimated_tokens
             <= r.tokens_per_hour)
     and (r.concurrent_requests is null or r.active_requests::bigint + 1 <= r.concurrent_requests)
  returning r.minute_window_start, r.hour_window_start into v_minute_start, v_hour_start;

  -- REFUSED: count the violation; no lease.
  if v_minute_start is null then
    update public.api_rate_limits r
       set rate_limit_violations = r.rate_limit_violations + 1,
           last_rate_limit_hit = now(),
           updated_at = now()
     where r.id = v_rate_limit_id;
    return null;
  end if;

  -- LEASE: the slot, with what it was counted as and where.
  insert into public.api_capacity_leases
    (rate_limit_id, estimated_tokens, minute_window_start, hour_window_start, job_id, worker_id, expires_at)
  values
    (v_rate_limit_id, p_estimated_tokens, v_minute_start, v_hour_start, p_job_id, p_worker_id,
     now() + make_interval(secs => greatest(1, private.config_int('rate_limit.capacity_lease_seconds', 300))))
  returning id into v_lease_id;
  return v_lease_id;
end
$$;

comment on function public.acquire_api_capacity(text, text, integer, uuid, text) is
  'Atomically takes one request slot on provider:endpoint: rolls fixed minute/hour windows over, admits only if requests/min, requests/hour, tokens/min, tokens/hour (estimate) and concurrency all hold (NULL limit = unlimited), and records a lease (estimate, window starts, job, worker, expires_at = now() + rate_limit.capacity_lease_seconds). Returns the lease id, or NULL when refused (rate_limit_violations + 1, last_rate_limit_hit = now()). Expired leases of the row are reclaimed first. service_role only. Raises 22023 for an empty name or a null/negative p_estimated_tokens, P0002 when there is no active rate limit for provider:endpoint or p_job_id names no job.';
revoke all on function public.acquire_api_capacity(text, text, integer, uuid, text) from public, anon, authenticated;
grant execute on function public.acquire_api_capacity(text, text, integer, uuid, text) to service_role;

-- -----------------------------------------------------------------------------
-- RPC: public.release_api_capacity — gives a lease's slot back and reconciles
-- its tokens (review 001): delta = actual - estimate recorded at acquire, applied
-- only to a token window that is still the one the lease was counted in, never
-- below 0. Idempotent: a lease that is unknown or already released -> false.
-- -----------------------------------------------------------------------------
create or replace function public.release_api_capacity(p_lease_id uuid, p_actual_tokens integer default null)
returns boolean
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rate_limit_id uuid;
  v_released boolean;
begin
  -- GUARD: name the bad argument; write nothing.
  if p_lease_id is null then
    raise exception 'release_api_capacity: p_lease_id must not be null' using errcode = '22023';
  end if;
  if p_actual_tokens < 0 then
    raise exception 'release_api_capacity: p_actual_tokens must be a non-negative integer' using errcode = '22023';
  end if;

  -- LOCK: the lease's rate limit row first (same order as acquire and reclaim).
  select l.rate_limit_id into v_rate_limit_id
    from public.api_capacity_leases l
   where l.id = p_lease_id;
  if v_rate_limit_id is null then
    return false;
  end if;
  perform 1 from public.api_rate_limits r where r.id = v_rate_limit_id for update;

  -- RELEASE: delete the lease and free its slot in one statement; a lease that a
  -- concurrent release (or the reclaimer) already deleted changes nothing.
  with released as (
    delete from public.api_capacity_leases l
     where l.id = p_lease_id
    returning l.rate_limit_id, l.estimated_tokens, l.minute_window_start, l.hour_window_start,
              coalesce(p_actual_tokens, l.estimated_tokens)::bigint - l.estimated_tokens as delta
  )
  update public.api_rate_limits r
     set active_requests = greatest(0, r.active_requests - 1),
         current_tokens_minute = case when r.minute_window_start = x.minute_window_start
                                      then least(2147483647, greatest(0, r.current_tokens_minute + x.delta))::integer
                                      else r.current_tokens_minute end,
         current_tokens_hour = case when r.hour_window_start = x.hour_window_start
                                    then least(2147483647, greatest(0, r.current_tokens_hour + x.delta))::integer
                                    else r.current_tokens_hour end,
         updated_at = now()
    from released x
   where r.id = x.rate_limit_id
  returning true into v_released;

  return coalesce(v_released, false);
end
$$;

comment on function public.release_api_capacity(uuid, integer) is
  'Releases a capacity lease: active_requests - 1 and tokens reconciled by (actual - estimate recorded at acquire) in each token window that is still the window the lease was counted in (a rolled-over window is left alone; never below 0); NULL p_actual_tokens keeps the estimate; deletes the lease. Returns true, or false (nothing changed) when the lease is unknown or already released/reclaimed. service_role only. Raises 22023 for a null p_lease_id or a negative p_actual_tokens.';
revoke all on function public.release_api_capacity(uuid, integer) from public, anon, authenticated;
grant execute on function public.release_api_capacity(uuid, integer) to service_role;

-- -----------------------------------------------------------------------------
-- RPC: public.reclaim_expired_capacity — frees every slot whose lease expired,
-- one statement per rate limit row (rows in id order, so two sweeps never
-- deadlock). pg_cron runs it every minute; acquire does it for its own row.
-- -----------------------------------------------------------------------------
create or replace function public.reclaim_expired_capacity()
returns integer
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_rate_limit_id uuid;
  v_freed integer := 0;
begin
  -- RECLAIM: only rows that have an expired lease (api_capacity_leases_expiry_idx).
  for v_rate_limit_id in
    select distinct l.rate_limit_id
      from public.api_capacity_leases l
     where l.expires_at <= now()
     order by l.rate_limit_id
  loop
    v_freed := v_freed + private.reclaim_expired_capacity_for(v_rate_limit_id);
  end loop;
  return v_freed;
end
$$;

comment on function public.reclaim_expired_capacity() is
  'Frees the concurrency slots of every capacity lease past expires_at (its holder died): deletes the lease, active_requests - 1 (never below 0), tokens stay counted; audits per rate limit row. Returns the number of slots freed. Run by pg_cron every minute (job reclaim-expired-capacity); service_role only.';
revoke all on function public.reclaim_expired_capacity() from public, anon, authenticated;
grant execute on function public.reclaim_expired_capacity() to service_role;

-- -----------------------------------------------------------------------------
-- SCHEDULE: pg_cron 1.4's cron.schedule(name, ...) updates the job of that name
-- in place (same jobid) when it exists, so re-running this file changes nothing.
-- -----------------------------------------------------------------------------
select cron.schedule('reclaim-expired-capacity', '* * * * *', 'select public.reclaim_expired_capacity()');

-- -----------------------------------------------------------------------------
-- VERIFY: what this file promises exists, and no client role can call it.
-- -----------------------------------------------------------------------------
do $$
declare
  v_fn text;
begin
  foreach v_fn in array array[
    'public.acquire_api_capacity(text, text, integer, uuid, text)',
    'public.release_api_capacity(uuid, integer)',
    'public.reclaim_expired_capacity()',
    'private.rate_limit_utilization(text, text)',
    'private.reclaim_expired_capacity_for(uuid)'
  ] loop
    if to_regprocedure(v_fn) is null then
      raise exception '20261122000500_rate_limits: % was not created', v_fn;
    end if;
    if has_function_privilege('anon', v_fn, 'execute')
       or has_function_privilege('authenticated', v_fn, 'execute') then
      raise exception '20261122000500_rate_limits: % is executable by anon or authenticated', v_fn;
    end if;
  end loop;
  if not exists (select 1 from cron.job j
                  where j.jobname = 'reclaim-expired-capacity'
                    and j.command = 'select public.reclaim_expired_capacity()') then
    raise exception '20261122000500_rate_limits: pg_cron job reclaim-expired-capacity is missing';
  end if;
end
$$;
