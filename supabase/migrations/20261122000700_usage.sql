-- =============================================================================
-- 07 USAGE: subscription plans, per-profile monthly usage counters, and the
-- ledger of counted events that keeps the same upload or the same job from
-- being counted twice. Sizes and page counts come from shell_files, never from
-- the caller. Behind the feature flags features.usage_tracking (record or not)
-- and features.usage_limits_enforced (reported to callers, who enforce).
--
-- Fixes from the v5 plan's SQL: cross-profile RLS (`profile_id = auth.uid()`,
-- replaced by has_profile_access), client-trusted file sizes (read from
-- shell_files), the missing INSERT in track_ai_processing_usage (one upsert for
-- every counter), feature flags stored with config_type 'boolean' (not an allowed
-- config_type; the flags are seeded by 20261122000100_foundations as 'feature').
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs from earlier migrations (review 000).
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
begin
  if to_regclass('public.system_configuration') is null then v_missing := v_missing || 'table public.system_configuration (20261122000100_foundations)'; end if;
  if to_regclass('public.user_profiles') is null then v_missing := v_missing || 'table public.user_profiles (20261122000200_profiles)'; end if;
  if to_regclass('public.shell_files') is null then v_missing := v_missing || 'table public.shell_files (20261122000300_clinical_core)'; end if;
  if to_regclass('public.job_queue') is null then v_missing := v_missing || 'table public.job_queue (20261122000400_job_queue)'; end if;
  if to_regprocedure('private.config_bool(text, boolean)') is null then v_missing := v_missing || 'function private.config_bool(text, boolean) (20261122000100_foundations)'; end if;
  if to_regprocedure('public.is_service_role()') is null then v_missing := v_missing || 'function public.is_service_role() (20261122000100_foundations)'; end if;
  if to_regprocedure('public.has_profile_access(uuid, uuid)') is null then v_missing := v_missing || 'function public.has_profile_access(uuid, uuid) (20261122000200_profiles)'; end if;
  if to_regprocedure('public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)') is null then
    v_missing := v_missing || 'function public.log_audit_event(...) (20261122000100_foundations)';
  end if;
  if cardinality(v_missing) > 0 then
    raise exception '20261122000700_usage: missing dependencies: %', array_to_string(v_missing, '; ');
  end if;
end
$$;

-- -----------------------------------------------------------------------------
-- TIGHTENING of 20261122000100_foundations (not edited: owned elsewhere). Its
-- `grant select on audit_log to service_role` added to Supabase's default
-- privileges rather than replacing them, so service_role could still INSERT rows
-- directly (forged actor_role, no validation). The audit events this file writes
-- go through log_audit_event; take the direct writes back. Idempotent.
-- -----------------------------------------------------------------------------
revoke insert, update, delete, truncate, references, trigger on public.audit_log from service_role;

-- -----------------------------------------------------------------------------
-- TABLE: subscription_plans — monthly limits per plan; null = unlimited.
-- -----------------------------------------------------------------------------
create table if not exists public.subscription_plans (
  plan_type text primary key
    check (plan_type in ('free', 'basic', 'premium', 'family', 'enterprise')),
  display_name text not null check (length(btrim(display_name)) between 1 and 100),
  monthly_shell_files_limit integer check (monthly_shell_files_limit >= 0),
  monthly_pages_limit integer check (monthly_pages_limit >= 0),
  monthly_ai_tokens_limit bigint check (monthly_ai_tokens_limit >= 0),
  monthly_storage_mb_limit integer check (monthly_storage_mb_limit >= 0),
  -- Monthly price; null = priced by contract.
  price_cents integer check (price_cents >= 0),
  is_active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

insert into public.subscription_plans
  (plan_type, display_name, monthly_shell_files_limit, monthly_pages_limit,
   monthly_ai_tokens_limit, monthly_storage_mb_limit, price_cents) values
  ('free', 'Free', 10, 100, 50000, 100, 0),
  ('basic', 'Basic', 100, 1000, 500000, 1000, 999),
  ('premium', 'Premium', 500, 5000, 2500000, 5000, 2999),
  ('family', 'Family', 1000, 10000, 5000000, 10000, 4999),
  ('enterprise', 'Enterprise', null, null, null, null, null)
on conflict (plan_type) do nothing;

-- -----------------------------------------------------------------------------
-- TABLE: user_usage_tracking — one row per profile per billing cycle (calendar
-- month in UTC, [billing_cycle_start, billing_cycle_end)). A new cycle's row
-- carries the plan of the profile's latest earlier row.
-- -----------------------------------------------------------------------------
create table if not exists public.user_usage_tracking (
  id uuid primary key default extensions.gen_random_uuid(),
  profile_id uuid not null references public.user_profiles (id) on delete cascade,
  billing_cycle_start timestamptz not null,
  billing_cycle_end timestamptz not null,
  shell_files_uploaded integer not null default 0 check (shell_files_uploaded >= 0),
  total_pages_processed integer not null default 0 check (total_pages_processed >= 0),
  total_file_size_mb numeric(16, 6) not null default 0 check (total_file_size_mb >= 0),
  ai_tokens_used bigint not null default 0 check (ai_tokens_used >= 0),
  ai_processing_jobs integer not null default 0 check (ai_processing_jobs >= 0),
  ai_processing_seconds bigint not null default 0 check (ai_processing_seconds >= 0),
  plan_type text not null default 'free' references public.subscription_plans (plan_type),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint user_usage_tracking_cycle_order check (billing_cycle_end > billing_cycle_start),
  constraint user_usage_tracking_one_row_per_cycle unique (profile_id, billing_cycle_start)
);

-- -----------------------------------------------------------------------------
-- TABLE: usage_events — the ledger of what was counted. The unique keys make a
-- second count of the same upload or the same job impossible, whoever races.
-- No foreign key to shell_files/job_queue on purpose: purging a job or a file
-- must not erase what was billed.
-- -----------------------------------------------------------------------------
create table if not exists public.usage_events (
  id uuid primary key default extensions.gen_random_uuid(),
  profile_id uuid not null references public.user_profiles (id) on delete cascade,
  event_type text not null check (event_type in ('shell_file_uploaded', 'ai_processing_completed')),
  shell_file_id uuid,
  job_id uuid,
  quantities jsonb not null default '{}'::jsonb check (jsonb_typeof(quantities) = 'object'),
  created_at timestamptz not null default now(),
  constraint usage_events_subject check (
    case event_type
      when 'shell_file_uploaded' then shell_file_id is not null
      when 'ai_processing_completed' then job_id is not null
    end
  ),
  constraint usage_events_once_per_shell_file unique (event_type, shell_file_id),
  constraint usage_events_once_per_job unique (event_type, job_id)
);
create index if not exists usage_events_profile_idx on public.usage_events (profile_id, created_at);

-- -----------------------------------------------------------------------------
-- RLS: plans readable by signed-in users; usage readable through
-- has_profile_access; every write by the service role or the RPCs below.
-- -----------------------------------------------------------------------------
alter table public.subscription_plans enable row level security;
alter table public.user_usage_tracking enable row level security;
alter table public.usage_events enable row level security;

grant select on public.subscription_plans, public.user_usage_tracking, public.usage_events to authenticated;
grant select, insert, update, delete on public.subscription_plans, public.user_usage_tracking,
  public.usage_events to service_role;

drop policy if exists subscription_plans_select on public.subscription_plans;
create policy subscription_plans_select on public.subscription_plans
  for select to authenticated
  using (true);

drop policy if exists user_usage_tracking_select on public.user_usage_tracking;
create policy user_usage_tracking_select on public.user_usage_tracking
  for select to authenticated
  using (public.has_profile_access(auth.uid(), profile_id));

drop policy if exists usage_events_select on public.usage_events;
create policy usage_events_select on public.usage_events
  for select to authenticated
  using (public.has_profile_access(auth.uid(), profile_id));

-- -----------------------------------------------------------------------------
-- FUNCTION: private.billing_cycle(at) — the calendar month (UTC) holding `at`.
-- -----------------------------------------------------------------------------
create or replace function private.billing_cycle(p_at timestamptz)
returns table (cycle_start timestamptz, cycle_end timestamptz)
language sql
immutable
set search_path = pg_catalog, pg_temp
as $$
  -- Month arithmetic in UTC: in a session time zone, "+ 1 month" would move with DST.
  select (date_trunc('month', p_at at time zone 'UTC')) at time zone 'UTC',
         (date_trunc('month', p_at at time zone 'UTC') + interval '1 month') at time zone 'UTC'
$$;
comment on function private.billing_cycle(timestamptz) is
  'The billing cycle holding p_at: the calendar month in UTC, as [cycle_start, cycle_end). Internal; no client grants.';
revoke all on function private.billing_cycle(timestamptz) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- FUNCTION: private.usage_plan_type(profile) — the profile's plan: that of its
-- latest usage row up to now, else 'free'.
-- -----------------------------------------------------------------------------
create or replace function private.usage_plan_type(p_profile_id uuid)
returns text
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
    (select u.plan_type
       from public.user_usage_tracking u
      where u.profile_id = p_profile_id
        and u.billing_cycle_start <= now()
      order by u.billing_cycle_start desc
      limit 1),
    'free')
$$;
comment on function private.usage_plan_type(uuid) is
  'The plan of the profile: from its current or latest earlier usage row, else ''free''. Internal; no client grants.';
revoke all on function private.usage_plan_type(uuid) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- FUNCTION: private.add_usage(...) — adds to the current cycle's counters in one
-- upsert (creating the row on the cycle's first use), so concurrent callers
-- never lose an increment and a missing row is never a failure.
-- -----------------------------------------------------------------------------
create or replace function private.add_usage(
  p_profile_id uuid,
  p_shell_files integer,
  p_pages integer,
  p_file_size_mb numeric,
  p_ai_tokens bigint,
  p_ai_jobs integer,
  p_ai_seconds bigint
)
returns void
language sql
volatile
set search_path = pg_catalog, pg_temp
as $$
  insert into public.user_usage_tracking as u (
    profile_id, billing_cycle_start, billing_cycle_end, plan_type,
    shell_files_uploaded, total_pages_processed, total_file_size_mb,
    ai_tokens_used, ai_processing_jobs, ai_processing_seconds)
  select p_profile_id, c.cycle_start, c.cycle_end, private.usage_plan_type(p_profile_id),
         p_shell_files, p_pages, p_file_size_mb, p_ai_tokens, p_ai_jobs, p_ai_seconds
    from private.billing_cycle(now()) c
  on conflict (profile_id, billing_cycle_start) do update
    set shell_files_uploaded = u.shell_files_uploaded + excluded.shell_files_uploaded,
        total_pages_processed = u.total_pages_processed + excluded.total_pages_processed,
        total_file_size_mb = u.total_file_size_mb + excluded.total_file_size_mb,
        ai_tokens_used = u.ai_tokens_used + excluded.ai_tokens_used,
        ai_processing_jobs = u.ai_processing_jobs + excluded.ai_processing_jobs,
        ai_processing_seconds = u.ai_processing_seconds + excluded.ai_processing_seconds,
        updated_at = now()
$$;
comment on function private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint) is
  'Adds the given amounts to the profile''s counters for the current billing cycle, creating the cycle''s row (with the profile''s plan) on first use. No validation: callers (the track_* RPCs) validate. Internal; no client grants.';
revoke all on function private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- FUNCTION: private.usage_status(profile) — counters of the current cycle (zero
-- when nothing was recorded yet), the plan's limits, and whether usage is within
-- each (used <= limit; a null limit is unlimited).
-- -----------------------------------------------------------------------------
create or replace function private.usage_status(p_profile_id uuid)
returns jsonb
language plpgsql
stable
set search_path = pg_catalog, pg_temp
as $$
declare
  v_cycle record;
  v_usage public.user_usage_tracking;
  v_plan public.subscription_plans;
  v_files boolean;
  v_pages boolean;
  v_tokens boolean;
  v_storage boolean;
begin
  select c.cycle_start, c.cycle_end into v_cycle from private.billing_cycle(now()) c;

  select u.* into v_usage
    from public.user_usage_tracking u
   where u.profile_id = p_profile_id and u.billing_cycle_start = v_cycle.cycle_start;

  select p.* into v_plan
    from public.subscription_plans p
   where p.plan_type = coalesce(v_usage.plan_type, private.usage_plan_type(p_profile_id));

  -- LIMITS: a null limit is unlimited.
  v_files := v_plan.monthly_shell_files_limit is null
             or coalesce(v_usage.shell_files_uploaded, 0) <= v_plan.monthly_shell_files_limit;
  v_pages := v_plan.monthly_pages_limit is null
             or coalesce(v_usage.total_pages_processed, 0) <= v_plan.monthly_pages_limit;
  v_tokens := v_plan.monthly_ai_tokens_limit is null
              or coalesce(v_usage.ai_tokens_used, 0) <= v_plan.monthly_ai_tokens_limit;
  v_storage := v_plan.monthly_storage_mb_limit is null
               or coalesce(v_usage.total_file_size_mb, 0) <= v_plan.monthly_storage_mb_limit;

  return jsonb_build_object(
    'profile_id', p_profile_id,
    'plan_type', v_plan.plan_type,
    'billing_cycle_start', v_cycle.cycle_start,
    'billing_cycle_end', v_cycle.cycle_end,
    'usage', jsonb_build_object(
      'shell_files_uploaded', coalesce(v_usage.shell_files_uploaded, 0),
      'total_pages_processed', coalesce(v_usage.total_pages_processed, 0),
      'total_file_size_mb', coalesce(v_usage.total_file_size_mb, 0),
      'ai_tokens_used', coalesce(v_usage.ai_tokens_used, 0),
      'ai_processing_jobs', coalesce(v_usage.ai_processing_jobs, 0),
      'ai_processing_seconds', coalesce(v_usage.ai_processing_seconds, 0)),
    'limits', jsonb_build_object(
      'shell_files', v_plan.monthly_shell_files_limit,
      'pages', v_plan.monthly_pages_limit,
      'ai_tokens', v_plan.monthly_ai_tokens_limit,
      'storage_mb', v_plan.monthly_storage_mb_limit),
    'within_limits', jsonb_build_object(
      'shell_files', v_files,
      'pages', v_pages,
      'ai_tokens', v_tokens,
      'storage_mb', v_storage,
      'all', v_files and v_pages and v_tokens and v_storage),
    'limits_enforced', private.config_bool('features.usage_limits_enforced', false),
    'usage_tracking_enabled', private.config_bool('features.usage_tracking', true));
end
$$;
comment on function private.usage_status(uuid) is
  'The profile''s usage status: current cycle counters (0 when none), its plan''s limits (null = unlimited), within_limits per limit (used <= limit) and overall, and the two feature flags. No access check: callers check. Internal; no client grants.';
revoke all on function private.usage_status(uuid) from public, anon, authenticated;

-- -----------------------------------------------------------------------------
-- RPC: track_shell_file_upload_usage(profile, shell file)
-- -----------------------------------------------------------------------------
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

-- -----------------------------------------------------------------------------
-- RPC: track_ai_processing_usage(profile, job, tokens, seconds)
-- -----------------------------------------------------------------------------
create or replace function public.track_ai_processing_usage(
  p_profile_id uuid,
  p_job_id uuid,
  p_tokens_used integer,
  p_processing_seconds integer
)
returns jsonb
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_event_id uuid;
begin
  -- GUARD: arguments, then access (EXECUTE is granted to service_role only; the
  -- check below is the same as every usage RPC's, in case that grant ever widens).
  if p_profile_id is null then
    raise exception 'track_ai_processing_usage: p_profile_id must not be null' using errcode = '22023';
  end if;
  if p_job_id is null then
    raise exception 'track_ai_processing_usage: p_job_id must not be null' using errcode = '22023';
  end if;
  if p_tokens_used is null or p_tokens_used < 0 then
    raise exception 'track_ai_processing_usage: p_tokens_used must be a non-negative integer' using errcode = '22023';
  end if;
  if p_processing_seconds is null or p_processing_seconds < 0 then
    raise exception 'track_ai_processing_usage: p_processing_seconds must be a non-negative integer' using errcode = '22023';
  end if;
  if not (public.is_service_role() or public.has_profile_access(auth.uid(), p_profile_id)) then
    raise exception 'track_ai_processing_usage: no access to this profile' using errcode = '42501';
  end if;

  -- The job must exist and be this profile's.
  perform 1 from public.job_queue j where j.id = p_job_id and j.patient_id = p_profile_id;
  if not found then
    raise exception 'track_ai_processing_usage: job not found for this profile' using errcode = 'P0002';
  end if;

  -- FEATURE FLAG: off = record nothing, and say so.
  if not private.config_bool('features.usage_tracking', true) then
    return private.usage_status(p_profile_id)
           || jsonb_build_object('recorded', false, 'reason', 'usage_tracking_disabled');
  end if;

  -- ONCE PER JOB
  insert into public.usage_events (profile_id, event_type, job_id, quantities)
  values (p_profile_id, 'ai_processing_completed', p_job_id,
          jsonb_build_object('tokens_used', p_tokens_used, 'processing_seconds', p_processing_seconds))
  on conflict (event_type, job_id) do nothing
  returning id into v_event_id;
  if v_event_id is null then
    return private.usage_status(p_profile_id)
           || jsonb_build_object('recorded', false, 'reason', 'already_counted');
  end if;

  -- COUNT + AUDIT
  perform private.add_usage(p_profile_id, 0, 0, 0, p_tokens_used, 1, p_processing_seconds);
  perform public.log_audit_event(
    'usage_events', v_event_id::text, 'INSERT', null,
    jsonb_build_object('event_type', 'ai_processing_completed', 'tokens_used', p_tokens_used,
                       'processing_seconds', p_processing_seconds),
    'AI processing counted', 'billing', p_profile_id, p_job_id);

  return private.usage_status(p_profile_id) || jsonb_build_object('recorded', true, 'reason', null);
end
$$;
comment on function public.track_ai_processing_usage(uuid, uuid, integer, integer) is
  'Counts one job''s AI processing (tokens, seconds, one job) against the profile''s current billing cycle, once per job; the job must belong to the profile (job_queue.patient_id). Returns the usage status plus recorded and reason (null, already_counted, usage_tracking_disabled). service_role only. Raises 22023 (null or negative argument, named), 42501 (no access to this profile), P0002 (job not found for this profile).';
revoke all on function public.track_ai_processing_usage(uuid, uuid, integer, integer) from public, anon, authenticated;
grant execute on function public.track_ai_processing_usage(uuid, uuid, integer, integer) to service_role;

-- -----------------------------------------------------------------------------
-- RPC: get_user_usage_status(profile)
-- -----------------------------------------------------------------------------
create or replace function public.get_user_usage_status(p_profile_id uuid)
returns jsonb
language plpgsql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  -- GUARD
  if p_profile_id is null then
    raise exception 'get_user_usage_status: p_profile_id must not be null' using errcode = '22023';
  end if;
  if not (public.is_service_role() or public.has_profile_access(auth.uid(), p_profile_id)) then
    raise exception 'get_user_usage_status: no access to this profile' using errcode = '42501';
  end if;

  return private.usage_status(p_profile_id);
end
$$;
comment on function public.get_user_usage_status(uuid) is
  'The profile''s usage in the current billing cycle (calendar month, UTC), its plan''s limits (null = unlimited), within_limits per limit and overall, limits_enforced (features.usage_limits_enforced) and usage_tracking_enabled. Callable by authenticated (a profile they can access) and service_role. Raises 22023 (null p_profile_id), 42501 (no access to this profile).';
revoke all on function public.get_user_usage_status(uuid) from public, anon, authenticated;
grant execute on function public.get_user_usage_status(uuid) to authenticated, service_role;
