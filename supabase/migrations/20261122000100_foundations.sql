-- =============================================================================
-- 01 FOUNDATIONS: privileges posture, private schema, typed configuration,
-- the append-only audit log, and the role checks every policy uses.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRIVILEGES: Supabase grants anon and authenticated everything new in public.
-- Take that back once, here; every object below grants exactly what it needs.
-- -----------------------------------------------------------------------------
alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated;
alter default privileges in schema public revoke all on tables from anon, authenticated;
alter default privileges in schema public revoke all on sequences from anon, authenticated;

-- Internals that clients never call directly. Not exposed by PostgREST (only public is).
create schema if not exists private;
revoke all on schema private from public;

-- -----------------------------------------------------------------------------
-- TABLE: system_configuration (typed values; read through private.config_*)
-- -----------------------------------------------------------------------------
create table if not exists public.system_configuration (
  config_key text primary key
    constraint config_key_format check (config_key ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
  config_value jsonb not null,
  value_type text not null check (value_type in ('integer', 'number', 'boolean', 'text')),
  config_type text not null check (config_type in ('worker', 'queue', 'rate_limit', 'feature', 'system')),
  description text not null,
  is_sensitive boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint config_value_matches_type check (
    case value_type
      when 'integer' then jsonb_typeof(config_value) = 'number' and (config_value #>> '{}') ~ '^-?[0-9]+$'
      when 'number' then jsonb_typeof(config_value) = 'number'
      when 'boolean' then jsonb_typeof(config_value) = 'boolean'
      when 'text' then jsonb_typeof(config_value) = 'string'
    end
  )
);
alter table public.system_configuration enable row level security;
grant select, insert, update, delete on public.system_configuration to service_role;

insert into public.system_configuration (config_key, config_value, value_type, config_type, description) values
  ('worker.heartbeat_interval_seconds', '30', 'integer', 'worker',
   'How often a worker should beat while it holds a job.'),
  ('worker.timeout_seconds', '180', 'integer', 'worker',
   'Lease length: a job whose last heartbeat is older than this is reclaimed. Longer than the Edge Function wall-clock limit (150 s), so a live invocation never loses its lease mid-step.'),
  ('worker.reclaim_jitter_max_seconds', '10', 'integer', 'worker',
   'Upper bound of the random delay before a reclaimed job may be claimed again.'),
  ('queue.default_max_retries', '3', 'integer', 'queue',
   'max_retries of a job enqueued without one.'),
  ('queue.retry_base_delay_seconds', '10', 'integer', 'queue',
   'First retry delay; doubles with each retry (exponential backoff, plus jitter).'),
  ('queue.retry_max_delay_seconds', '900', 'integer', 'queue',
   'Upper bound of a retry delay before jitter.'),
  ('queue.max_backpressure_delay_seconds', '300', 'integer', 'queue',
   'Upper bound of the delay enqueue_job_v3 adds when a provider is near its limits.'),
  ('queue.sweep_batch_size', '500', 'integer', 'queue',
   'Most expired leases one sweep handles; the next sweep takes the rest.'),
  ('rate_limit.capacity_lease_seconds', '300', 'integer', 'rate_limit',
   'A capacity slot not released within this time is taken back (its holder died).'),
  ('features.usage_tracking', 'true', 'boolean', 'feature',
   'Record uploads and AI usage per profile.'),
  ('features.usage_limits_enforced', 'false', 'boolean', 'feature',
   'Refuse work past a plan''s limits (billing); off until billing launches.')
on conflict (config_key) do nothing;

-- Typed reads with a fallback: a missing or mistyped row never breaks a caller.
create or replace function private.config_int(p_key text, p_default integer)
returns integer
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
    (select (c.config_value #>> '{}')::integer
       from public.system_configuration c
      where c.config_key = p_key and c.value_type = 'integer'),
    p_default)
$$;

create or replace function private.config_bool(p_key text, p_default boolean)
returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(
    (select (c.config_value #>> '{}')::boolean
       from public.system_configuration c
      where c.config_key = p_key and c.value_type = 'boolean'),
    p_default)
$$;

-- "Not found", as every caller needs it.
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

-- -----------------------------------------------------------------------------
-- ROLE CHECKS used by policies and RPC guards
-- -----------------------------------------------------------------------------
create or replace function public.is_service_role()
returns boolean
language sql
stable
set search_path = pg_catalog, pg_temp
as $$
  select coalesce(auth.role(), '') = 'service_role' or current_user = 'service_role'
$$;
comment on function public.is_service_role() is
  'True when the caller is the service role (JWT role claim or database role). Callable by anyone; reveals nothing.';
grant execute on function public.is_service_role() to anon, authenticated, service_role;

-- Admins are listed by the operators (SQL editor), never by a client.
create table if not exists private.admin_users (
  user_id uuid primary key references auth.users (id) on delete cascade,
  added_at timestamptz not null default now()
);
alter table private.admin_users enable row level security;

create or replace function public.is_admin()
returns boolean
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select exists (select 1 from private.admin_users a where a.user_id = auth.uid())
$$;
comment on function public.is_admin() is
  'True when the signed-in user is listed in private.admin_users. Callable by authenticated and service_role.';
grant execute on function public.is_admin() to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- TABLE: audit_log (append-only; every clinical write lands here with its patient and job)
-- -----------------------------------------------------------------------------
create table if not exists public.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  table_name text not null,
  record_id text not null,
  operation text not null
    check (operation in ('INSERT', 'UPDATE', 'DELETE', 'SELECT', 'PROCESS', 'ACCESS', 'EXPORT')),
  old_values jsonb,
  new_values jsonb,
  reason text,
  compliance_category text not null default 'system'
    check (compliance_category in ('system', 'clinical', 'access', 'security', 'billing')),
  patient_id uuid,
  job_id uuid,
  actor_id uuid,
  actor_role text not null
);
create index if not exists audit_log_patient_idx on public.audit_log (patient_id, occurred_at) where patient_id is not null;
create index if not exists audit_log_job_idx on public.audit_log (job_id) where job_id is not null;
create index if not exists audit_log_occurred_idx on public.audit_log (occurred_at);
alter table public.audit_log enable row level security;
grant select on public.audit_log to service_role;

create or replace function private.refuse_audit_change()
returns trigger
language plpgsql
set search_path = pg_catalog, pg_temp
as $$
begin
  raise exception 'audit_log is append-only: % is not allowed', tg_op using errcode = '42501';
end
$$;

drop trigger if exists audit_log_append_only on public.audit_log;
create trigger audit_log_append_only
  before update or delete on public.audit_log
  for each row execute function private.refuse_audit_change();
drop trigger if exists audit_log_no_truncate on public.audit_log;
create trigger audit_log_no_truncate
  before truncate on public.audit_log
  for each statement execute function private.refuse_audit_change();

create or replace function public.log_audit_event(
  p_table_name text,
  p_record_id text,
  p_operation text,
  p_old_values jsonb default null,
  p_new_values jsonb default null,
  p_reason text default null,
  p_compliance_category text default 'system',
  p_patient_id uuid default null,
  p_job_id uuid default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
declare
  v_id bigint;
begin
  -- GUARD: name the bad argument; write nothing.
  if p_table_name is null or btrim(p_table_name) = '' then
    raise exception 'log_audit_event: p_table_name must not be empty' using errcode = '22023';
  end if;
  if p_record_id is null or btrim(p_record_id) = '' then
    raise exception 'log_audit_event: p_record_id must not be empty' using errcode = '22023';
  end if;
  if p_operation is null
     or p_operation not in ('INSERT', 'UPDATE', 'DELETE', 'SELECT', 'PROCESS', 'ACCESS', 'EXPORT') then
    raise exception 'log_audit_event: p_operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT, got %',
      coalesce(p_operation, 'null') using errcode = '22023';
  end if;
  if p_compliance_category is null
     or p_compliance_category not in ('system', 'clinical', 'access', 'security', 'billing') then
    raise exception 'log_audit_event: p_compliance_category must be one of system, clinical, access, security, billing, got %',
      coalesce(p_compliance_category, 'null') using errcode = '22023';
  end if;

  insert into public.audit_log (
    table_name, record_id, operation, old_values, new_values, reason,
    compliance_category, patient_id, job_id, actor_id, actor_role
  ) values (
    p_table_name, p_record_id, p_operation, p_old_values, p_new_values, p_reason,
    p_compliance_category, p_patient_id, p_job_id, auth.uid(), coalesce(auth.role(), current_user)
  )
  returning id into v_id;
  return v_id;
end
$$;
comment on function public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid) is
  'Appends one audit event with patient and job correlation; returns its id. service_role only. Raises 22023 naming a bad argument.';
grant execute on function public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid) to service_role;
