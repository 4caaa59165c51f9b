-- =============================================================================
-- 04 JOB QUEUE AND RATE LIMITS: the tables. The RPCs that change them follow in
-- their own migrations. Both tables are service-role only.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- TABLE: job_lanes — the one list of (job_type, job_lane) pairs. job_queue's
-- foreign key and enqueue_job_v3's validation both read it, so they cannot drift.
-- A lane may name the provider/endpoint its jobs call, for backpressure.
-- -----------------------------------------------------------------------------
create table if not exists public.job_lanes (
  job_type text not null check (job_type ~ '^[a-z][a-z0-9_]*$'),
  job_lane text not null check (job_lane ~ '^[a-z][a-z0-9_]*$'),
  is_default boolean not null default false,
  api_provider text,
  api_endpoint text,
  description text not null,
  primary key (job_type, job_lane),
  check ((api_provider is null) = (api_endpoint is null))
);
create unique index if not exists job_lanes_one_default_idx on public.job_lanes (job_type) where is_default;

insert into public.job_lanes (job_type, job_lane, is_default, api_provider, api_endpoint, description) values
  ('shell_file_processing', 'standard', true, 'openai', 'gpt-4o-mini',
   'A document, page by page: text, then AI passes 1-3.'),
  ('shell_file_processing', 'priority', false, 'openai', 'gpt-4o-mini',
   'The same, ahead of the standard lane.'),
  ('ai_processing', 'standard', true, 'openai', 'gpt-4o-mini',
   'A stand-alone AI pass over existing text.'),
  ('audit_cleanup', 'maintenance', true, null, null, 'Housekeeping of audit data.'),
  ('system_maintenance', 'maintenance', true, null, null, 'Retention and other housekeeping.'),
  ('notification_delivery', 'standard', true, null, null, 'Messages to users.'),
  ('report_generation', 'standard', true, null, null, 'Reports for users and operators.')
on conflict (job_type, job_lane) do nothing;

-- -----------------------------------------------------------------------------
-- TABLE: job_queue
--   status:        pending -> processing -> completed | failed | cancelled
--                  (failed with dead_letter_at set = in the dead-letter queue)
--   heartbeat_at:  the LAST beat of the worker holding the job. The lease ends at
--                  heartbeat_at + worker.timeout_seconds (system_configuration).
--   worker_id:     the holder; every state-changing RPC checks it (fencing).
--   job_result:    checkpointed progress while processing, the result when completed.
-- -----------------------------------------------------------------------------
create table if not exists public.job_queue (
  id uuid primary key default extensions.gen_random_uuid(),
  job_type text not null,
  job_lane text not null,
  job_name text not null check (length(btrim(job_name)) between 1 and 200),
  job_category text not null default 'standard'
    check (job_category in ('critical', 'high_priority', 'standard', 'background', 'maintenance')),
  job_payload jsonb not null check (jsonb_typeof(job_payload) = 'object'),
  priority integer not null default 5 check (priority between 1 and 10),
  status text not null default 'pending'
    check (status in ('pending', 'processing', 'completed', 'failed', 'cancelled')),
  scheduled_at timestamptz not null default now(),
  worker_id text,
  heartbeat_at timestamptz,
  started_at timestamptz,
  completed_at timestamptz,
  retry_count integer not null default 0 check (retry_count >= 0),
  max_retries integer not null default 3 check (max_retries between 0 and 100),
  error_details jsonb,
  job_result jsonb,
  dead_letter_at timestamptz,
  -- Where the job's API calls go (from its lane or its payload), for backpressure.
  api_provider text,
  api_endpoint text,
  patient_id uuid references public.user_profiles (id) on delete cascade,
  shell_file_id uuid references public.shell_files (id) on delete cascade,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  foreign key (job_type, job_lane) references public.job_lanes (job_type, job_lane),
  -- A job being processed has a holder and a beat; any other job has neither.
  constraint job_queue_lease_consistent check (
    (status = 'processing') = (worker_id is not null and heartbeat_at is not null)
  ),
  constraint job_queue_dead_letter_is_failed check (dead_letter_at is null or status = 'failed')
);

-- HOT PATHS (all partial: finished history does not slow them down)
-- claim: pending jobs by priority then age
create index if not exists job_queue_claim_idx
  on public.job_queue (priority desc, created_at) where status = 'pending';
-- sweeper: leases by last beat
create index if not exists job_queue_lease_idx
  on public.job_queue (heartbeat_at) where status = 'processing';
-- backpressure: queue depth per provider/endpoint
create index if not exists job_queue_depth_idx
  on public.job_queue (api_provider, api_endpoint) where status in ('pending', 'processing');
create index if not exists job_queue_dead_letter_idx
  on public.job_queue (dead_letter_at) where dead_letter_at is not null;
create index if not exists job_queue_shell_file_idx on public.job_queue (shell_file_id) where shell_file_id is not null;
create index if not exists job_queue_patient_idx on public.job_queue (patient_id) where patient_id is not null;

alter table public.shell_files
  drop constraint if exists shell_files_processing_job_fk;
alter table public.shell_files
  add constraint shell_files_processing_job_fk
  foreign key (processing_job_id) references public.job_queue (id) on delete set null;

-- -----------------------------------------------------------------------------
-- TABLE: api_rate_limits — one row per provider endpoint; minute and hour windows
-- for requests and tokens, concurrency slots, backpressure and queue depth.
-- Counters belong to the window that started at *_window_start.
-- -----------------------------------------------------------------------------
create table if not exists public.api_rate_limits (
  id uuid primary key default extensions.gen_random_uuid(),
  provider_name text not null,
  api_endpoint text not null,
  requests_per_minute integer check (requests_per_minute > 0),
  requests_per_hour integer check (requests_per_hour > 0),
  tokens_per_minute integer check (tokens_per_minute > 0),
  tokens_per_hour integer check (tokens_per_hour > 0),
  concurrent_requests integer check (concurrent_requests > 0),
  current_requests_minute integer not null default 0 check (current_requests_minute >= 0),
  current_requests_hour integer not null default 0 check (current_requests_hour >= 0),
  current_tokens_minute integer not null default 0 check (current_tokens_minute >= 0),
  current_tokens_hour integer not null default 0 check (current_tokens_hour >= 0),
  active_requests integer not null default 0 check (active_requests >= 0),
  minute_window_start timestamptz not null default now(),
  hour_window_start timestamptz not null default now(),
  backpressure_threshold numeric(3, 2) not null default 0.80 check (backpressure_threshold > 0 and backpressure_threshold <= 1),
  backpressure_delay_seconds integer not null default 5 check (backpressure_delay_seconds >= 0),
  queue_depth_limit integer check (queue_depth_limit > 0),
  status text not null default 'active' check (status in ('active', 'disabled', 'maintenance')),
  last_rate_limit_hit timestamptz,
  rate_limit_violations integer not null default 0 check (rate_limit_violations >= 0),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (provider_name, api_endpoint)
);

insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute, tokens_per_hour,
   concurrent_requests, queue_depth_limit) values
  ('openai', 'gpt-4o-mini', 500, 30000, 200000, 10000000, 50, 1000),
  ('openai', 'gpt-4-vision', 100, 6000, 20000, 1000000, 20, 1000),
  ('google', 'vision-api', 1800, 100000, null, null, 100, 5000),
  ('anthropic', 'claude-3', 400, 24000, 100000, 5000000, 25, 1000)
on conflict (provider_name, api_endpoint) do nothing;

-- A held concurrency slot: what acquire_api_capacity granted, with the estimate it
-- counted, so release can reconcile it and a slot whose holder died can be taken back.
create table if not exists public.api_capacity_leases (
  id uuid primary key default extensions.gen_random_uuid(),
  rate_limit_id uuid not null references public.api_rate_limits (id) on delete cascade,
  estimated_tokens integer not null check (estimated_tokens >= 0),
  minute_window_start timestamptz not null,
  hour_window_start timestamptz not null,
  job_id uuid references public.job_queue (id) on delete set null,
  worker_id text,
  acquired_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index if not exists api_capacity_leases_expiry_idx on public.api_capacity_leases (expires_at);
create index if not exists api_capacity_leases_job_idx on public.api_capacity_leases (job_id) where job_id is not null;

-- -----------------------------------------------------------------------------
-- RLS: service role only (no policy for anyone else; service_role bypasses RLS).
-- -----------------------------------------------------------------------------
alter table public.job_lanes enable row level security;
alter table public.job_queue enable row level security;
alter table public.api_rate_limits enable row level security;
alter table public.api_capacity_leases enable row level security;
grant select, insert, update, delete on public.job_lanes, public.job_queue,
  public.api_rate_limits, public.api_capacity_leases to service_role;
