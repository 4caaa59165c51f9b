// What the rate-limiter benchmark adds to the database, and removes again:
//   - provider rows of its own in public.api_rate_limits (provider_name 'bench-ratelimit',
//     one endpoint per phase), deleted at the end (their leases go with them: on delete
//     cascade);
//   - schema bench_ratelimit: an unlogged table that records every lease row as the
//     database writes and deletes it, and the AFTER INSERT OR DELETE trigger on
//     public.api_capacity_leases that fills it. DROP SCHEMA ... CASCADE removes both.
//
// Why a recorder: release_api_capacity deletes the lease, so the lease rows are gone when
// the run ends, and the over-admission check must not trust the callers' own counters or
// the limiter's counters. The trigger runs inside acquire's and release's transactions
// while they hold the rate-limit row's lock (FOR UPDATE), so clock_timestamp() there orders
// every acquisition and release of one row exactly as the limiter serialized them; a
// transaction that rolls back takes its record with it. The recorder costs one insert per
// acquire and per release, which the throughput figures include.

import type postgres from "postgres";

export const BENCH_PROVIDER = "bench-ratelimit";
const SCHEMA = "bench_ratelimit";

export async function installRecorder(sql: postgres.Sql): Promise<void> {
  await removeAll(sql);
  await sql.unsafe(`
    create schema ${SCHEMA};
    create unlogged table ${SCHEMA}.lease_events (
      id bigint generated always as identity primary key,
      event text not null check (event in ('acquire', 'release')),
      at timestamptz not null default clock_timestamp(),
      lease_id uuid not null,
      rate_limit_id uuid not null,
      estimated_tokens integer not null,
      acquired_at timestamptz not null,
      minute_window_start timestamptz not null,
      hour_window_start timestamptz not null
    );
    create function ${SCHEMA}.record_lease() returns trigger
    language plpgsql volatile set search_path = '' as $$
    declare
      l public.api_capacity_leases := case when tg_op = 'INSERT' then new else old end;
    begin
      insert into ${SCHEMA}.lease_events
        (event, lease_id, rate_limit_id, estimated_tokens, acquired_at, minute_window_start, hour_window_start)
      values (case when tg_op = 'INSERT' then 'acquire' else 'release' end, l.id, l.rate_limit_id,
              l.estimated_tokens, l.acquired_at, l.minute_window_start, l.hour_window_start);
      return null;
    end
    $$;
    create trigger bench_ratelimit_record_lease
      after insert or delete on public.api_capacity_leases
      for each row execute function ${SCHEMA}.record_lease();
  `);
}

/** The recorder, its trigger and every bench provider row (with their leases). */
export async function removeAll(sql: postgres.Sql): Promise<void> {
  await sql.unsafe(`drop schema if exists ${SCHEMA} cascade`);
  await sql`delete from public.api_rate_limits where provider_name = ${BENCH_PROVIDER}`;
}

export interface Limits {
  requests_per_minute: number | null;
  requests_per_hour: number | null;
  tokens_per_minute: number | null;
  tokens_per_hour: number | null;
  concurrent_requests: number | null;
}

/** A fresh provider row (counters at zero) for one phase; returns its id. */
export async function createProviderRow(
  sql: postgres.Sql,
  endpoint: string,
  limits: Limits,
): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into public.api_rate_limits
      (provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute,
       tokens_per_hour, concurrent_requests)
    values (${BENCH_PROVIDER}, ${endpoint}, ${limits.requests_per_minute}, ${limits.requests_per_hour},
            ${limits.tokens_per_minute}, ${limits.tokens_per_hour}, ${limits.concurrent_requests})
    returning id`;
  return row.id;
}

export interface Violations {
  acquires: number;
  releases: number;
  /** acquisitions after which more leases were in flight than concurrent_requests */
  concurrency: number;
  max_in_flight: number;
  requests_minute: number;
  requests_hour: number;
  tokens_minute: number;
  tokens_hour: number;
  /** leases whose recorded window is not the one of their acquisition or a later one */
  window_mismatch: number;
  /** the fullest minute / hour window, to show the limit was reached */
  max_requests_minute: number;
  max_requests_hour: number;
  max_tokens_minute: number;
  max_tokens_hour: number;
  total: number;
}

/**
 * Over-admissions of one provider row, from the recorded lease events only:
 *   - concurrency: replaying acquisitions (+1) and releases (-1) in the order the limiter
 *     serialized them, every acquisition that put the count above concurrent_requests;
 *   - windows: per window the lease was counted in (the fixed minute/hour window start it
 *     records), every lease beyond requests_per_* and every lease whose tokens took the
 *     window's sum above tokens_per_* (tokens are released unreconciled, so the estimates
 *     are what each window holds);
 *   - window_mismatch: a recorded window that starts after the lease's admission or before
 *     the minute/hour of its transaction's start (what the limiter's now() would give).
 */
export async function countViolations(sql: postgres.Sql, rateLimitId: string): Promise<Violations> {
  const [v] = await sql<Violations[]>`
    with lim as (
      select * from public.api_rate_limits where id = ${rateLimitId}
    ), ev as (
      select e.* from bench_ratelimit.lease_events e where e.rate_limit_id = ${rateLimitId}
    ), replay as (
      select e.event,
             sum(case when e.event = 'acquire' then 1 else -1 end) over (order by e.at, e.id) as in_flight
        from ev e
    ), acq as (
      select e.*,
             row_number() over (partition by e.minute_window_start order by e.at, e.id) as n_minute,
             row_number() over (partition by e.hour_window_start order by e.at, e.id) as n_hour,
             sum(e.estimated_tokens) over (partition by e.minute_window_start order by e.at, e.id) as t_minute,
             sum(e.estimated_tokens) over (partition by e.hour_window_start order by e.at, e.id) as t_hour
        from ev e where e.event = 'acquire'
    )
    select
      (select count(*) from ev where event = 'acquire')::integer as acquires,
      (select count(*) from ev where event = 'release')::integer as releases,
      (select count(*) from replay r, lim where r.event = 'acquire' and r.in_flight > lim.concurrent_requests)::integer as concurrency,
      coalesce((select max(in_flight) from replay), 0)::integer as max_in_flight,
      (select count(*) from acq, lim where acq.n_minute > lim.requests_per_minute)::integer as requests_minute,
      (select count(*) from acq, lim where acq.n_hour > lim.requests_per_hour)::integer as requests_hour,
      (select count(*) from acq, lim where acq.t_minute > lim.tokens_per_minute)::integer as tokens_minute,
      (select count(*) from acq, lim where acq.t_hour > lim.tokens_per_hour)::integer as tokens_hour,
      (select count(*) from acq
        where acq.minute_window_start > acq.at or acq.minute_window_start < date_trunc('minute', acq.acquired_at)
           or acq.hour_window_start > acq.at or acq.hour_window_start < date_trunc('hour', acq.acquired_at))::integer
        as window_mismatch,
      coalesce((select max(n_minute) from acq), 0)::integer as max_requests_minute,
      coalesce((select max(n_hour) from acq), 0)::integer as max_requests_hour,
      coalesce((select max(t_minute) from acq), 0)::integer as max_tokens_minute,
      coalesce((select max(t_hour) from acq), 0)::integer as max_tokens_hour,
      0 as total`;
  v.total = v.concurrency + v.requests_minute + v.requests_hour + v.tokens_minute + v.tokens_hour +
    v.window_mismatch;
  return v;
}

/** The row's own counters after a phase: nothing may be left in flight. */
export async function rowState(
  sql: postgres.Sql,
  rateLimitId: string,
): Promise<{ active_requests: number; leases: number }> {
  const [row] = await sql<{ active_requests: number; leases: number }[]>`
    select r.active_requests,
           (select count(*) from public.api_capacity_leases l where l.rate_limit_id = r.id)::integer as leases
      from public.api_rate_limits r where r.id = ${rateLimitId}`;
  return row;
}
