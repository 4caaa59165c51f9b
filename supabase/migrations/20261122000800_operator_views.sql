-- =============================================================================
-- 08 OPERATOR VIEWS: read-only views an operator runs in the SQL editor (as
-- postgres). Schema ops is not exposed by PostgREST (only public is) and no role
-- but its owner may use it. The views are security_invoker, so if anyone ever
-- granted one, the reader's own table privileges and RLS would still apply.
--
--   select * from ops.queue_depth;          -- pending/processing per type and lane
--   select * from ops.expired_leases;       -- jobs the sweeper will reclaim
--   select * from ops.dead_letters;         -- failed for good, with the reason
--   select * from ops.rate_limit_headroom;  -- per provider endpoint
--
-- Each view filters job_queue the way one of its partial indexes is defined
-- (status in ('pending','processing'), status = 'processing' + heartbeat_at,
-- dead_letter_at is not null), so a table of a million finished jobs costs them
-- nothing.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs from earlier migrations (review 000).
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
begin
  if to_regclass('public.job_lanes') is null then v_missing := v_missing || 'table public.job_lanes (20261122000400_job_queue)'; end if;
  if to_regclass('public.job_queue') is null then v_missing := v_missing || 'table public.job_queue (20261122000400_job_queue)'; end if;
  if to_regclass('public.api_rate_limits') is null then v_missing := v_missing || 'table public.api_rate_limits (20261122000400_job_queue)'; end if;
  if to_regclass('public.api_capacity_leases') is null then v_missing := v_missing || 'table public.api_capacity_leases (20261122000400_job_queue)'; end if;
  if to_regprocedure('private.rate_limit_utilization(text, text)') is null then
    v_missing := v_missing || 'function private.rate_limit_utilization(text, text) (20261122000500_rate_limits)';
  end if;
  if to_regprocedure('private.job_lease_timeout()') is null then
    v_missing := v_missing || 'function private.job_lease_timeout() (20261122000600_job_rpcs)';
  end if;
  if cardinality(v_missing) > 0 then
    raise exception '20261122000800_operator_views: missing dependencies: %', array_to_string(v_missing, '; ');
  end if;
end
$$;

create schema if not exists ops;
comment on schema ops is 'Read-only operator views (SQL editor). Not exposed by PostgREST; usable by its owner only.';
revoke all on schema ops from public, anon, authenticated, service_role;

-- -----------------------------------------------------------------------------
-- VIEW: ops.queue_depth — one row per (job_type, job_lane) in job_lanes, also
-- when empty. Uses job_queue_depth_idx (WHERE status in ('pending','processing')).
-- -----------------------------------------------------------------------------
create or replace view ops.queue_depth
with (security_invoker = true)
as
select l.job_type,
       l.job_lane,
       coalesce(d.pending, 0) as pending,
       coalesce(d.pending_ready, 0) as pending_ready,
       coalesce(d.processing, 0) as processing,
       d.oldest_pending_created_at,
       now() - d.oldest_pending_created_at as oldest_pending_age,
       now() - d.oldest_ready_scheduled_at as oldest_ready_wait
  from public.job_lanes l
  left join (
    select q.job_type,
           q.job_lane,
           count(*) filter (where q.status = 'pending') as pending,
           count(*) filter (where q.status = 'pending' and q.scheduled_at <= now()) as pending_ready,
           count(*) filter (where q.status = 'processing') as processing,
           min(q.created_at) filter (where q.status = 'pending') as oldest_pending_created_at,
           min(q.scheduled_at) filter (where q.status = 'pending' and q.scheduled_at <= now()) as oldest_ready_scheduled_at
      from public.job_queue q
     where q.status in ('pending', 'processing')
     group by q.job_type, q.job_lane
  ) d on d.job_type = l.job_type and d.job_lane = l.job_lane;
comment on view ops.queue_depth is
  'Per job_type and job_lane (every lane, 0 when empty): pending jobs, pending_ready (scheduled_at <= now(): claimable now), processing jobs, the oldest pending job''s created_at and age, and oldest_ready_wait (how long the most overdue claimable job has waited past its scheduled_at).';

-- -----------------------------------------------------------------------------
-- VIEW: ops.expired_leases — processing jobs whose last beat is older than the
-- lease (worker.timeout_seconds via private.job_lease_timeout(), the same figure
-- the sweeper and the fence use). Uses job_queue_lease_idx.
-- -----------------------------------------------------------------------------
create or replace view ops.expired_leases
with (security_invoker = true)
as
select q.id as job_id,
       q.job_type,
       q.job_lane,
       q.job_name,
       q.worker_id,
       q.started_at,
       q.heartbeat_at,
       q.heartbeat_at + private.job_lease_timeout() as lease_expired_at,
       now() - (q.heartbeat_at + private.job_lease_timeout()) as overdue_by,
       q.retry_count,
       q.max_retries,
       q.retry_count < q.max_retries as will_retry,
       q.patient_id,
       q.shell_file_id
  from public.job_queue q
 where q.status = 'processing'
   and q.heartbeat_at < now() - private.job_lease_timeout();
comment on view ops.expired_leases is
  'Processing jobs whose lease expired (heartbeat_at + worker.timeout_seconds < now()): the holder (worker_id), its last beat, when the lease ended and by how much it is overdue, retries, whether the sweeper will retry or dead-letter it, and the patient/shell file.';

-- -----------------------------------------------------------------------------
-- VIEW: ops.dead_letters — failed jobs in the dead-letter queue, newest first in
-- use (order by dead_letter_at desc). Uses job_queue_dead_letter_idx.
-- -----------------------------------------------------------------------------
create or replace view ops.dead_letters
with (security_invoker = true)
as
select q.id as job_id,
       q.job_type,
       q.job_lane,
       q.job_name,
       q.dead_letter_at,
       q.error_details ->> 'dead_letter_reason' as reason,
       q.error_details #> '{attempts,-1}' as last_event,
       q.error_details #> '{attempts,-1,error}' as last_error,
       q.retry_count,
       q.max_retries,
       q.worker_id as last_worker_id,
       q.patient_id,
       q.shell_file_id,
       q.created_at,
       q.error_details
  from public.job_queue q
 where q.status = 'failed'
   and q.dead_letter_at is not null;
comment on view ops.dead_letters is
  'Dead-lettered jobs (failed with dead_letter_at): the reason (error_details.dead_letter_reason: max_retries_exhausted, not_retryable, lease_expired_max_retries), the last recorded event and its error, retry counts, the last holder, patient/shell file ids, and the full error_details. Retry one with public.retry_dead_letter(job_id, reason).';

-- -----------------------------------------------------------------------------
-- VIEW: ops.rate_limit_headroom — per provider endpoint. A counter whose window
-- has rolled over counts as 0 (what acquire_api_capacity would start from);
-- headroom is limit - used (null = unlimited); utilization is
-- private.rate_limit_utilization (what enqueue_job_v3's backpressure reads).
-- Queue depth uses job_queue_depth_idx.
-- -----------------------------------------------------------------------------
create or replace view ops.rate_limit_headroom
with (security_invoker = true)
as
select r.provider_name,
       r.api_endpoint,
       r.status,
       r.requests_per_minute,
       r.requests_per_hour,
       r.tokens_per_minute,
       r.tokens_per_hour,
       r.concurrent_requests,
       w.requests_minute,
       w.requests_hour,
       w.tokens_minute,
       w.tokens_hour,
       r.requests_per_minute - w.requests_minute as requests_minute_headroom,
       r.requests_per_hour - w.requests_hour as requests_hour_headroom,
       r.tokens_per_minute - w.tokens_minute as tokens_minute_headroom,
       r.tokens_per_hour - w.tokens_hour as tokens_hour_headroom,
       r.active_requests as active_slots,
       r.concurrent_requests - r.active_requests as slots_headroom,
       coalesce(c.live_leases, 0) as live_capacity_leases,
       coalesce(c.expired_leases, 0) as expired_capacity_leases,
       c.oldest_expired_lease_at,
       private.rate_limit_utilization(r.provider_name, r.api_endpoint) as utilization,
       r.backpressure_threshold,
       coalesce(private.rate_limit_utilization(r.provider_name, r.api_endpoint) >= r.backpressure_threshold, false)
         as under_backpressure,
       coalesce(d.queue_depth, 0) as queue_depth,
       r.queue_depth_limit,
       r.rate_limit_violations,
       r.last_rate_limit_hit
  from public.api_rate_limits r
  cross join lateral (
    select case when r.minute_window_start < date_trunc('minute', now()) then 0 else r.current_requests_minute end as requests_minute,
           case when r.hour_window_start < date_trunc('hour', now()) then 0 else r.current_requests_hour end as requests_hour,
           case when r.minute_window_start < date_trunc('minute', now()) then 0 else r.current_tokens_minute end as tokens_minute,
           case when r.hour_window_start < date_trunc('hour', now()) then 0 else r.current_tokens_hour end as tokens_hour
  ) w
  left join lateral (
    select count(*) filter (where l.expires_at > now()) as live_leases,
           count(*) filter (where l.expires_at <= now()) as expired_leases,
           min(l.expires_at) filter (where l.expires_at <= now()) as oldest_expired_lease_at
      from public.api_capacity_leases l
     where l.rate_limit_id = r.id
  ) c on true
  left join lateral (
    select count(*) as queue_depth
      from public.job_queue q
     where q.status in ('pending', 'processing')
       and q.api_provider = r.provider_name
       and q.api_endpoint = r.api_endpoint
  ) d on true;
comment on view ops.rate_limit_headroom is
  'Per provider endpoint: limits, usage in the current minute/hour windows (a rolled-over window counts as 0), headroom per limit (null = unlimited), active slots, live and expired capacity leases (expired = holder died; reclaim_expired_capacity frees them), utilization (private.rate_limit_utilization; null when not active) against the backpressure threshold, queue depth against its limit, violations.';

-- -----------------------------------------------------------------------------
-- GRANTS: none. Only the owner (postgres, the SQL editor) reads these views.
-- -----------------------------------------------------------------------------
revoke all on ops.queue_depth, ops.expired_leases, ops.dead_letters, ops.rate_limit_headroom
  from public, anon, authenticated, service_role;
