// The rows the history benchmark puts into public.job_queue, and takes out again.
//
// Every row it writes has job_type 'bench_history' (a lane it registers in setup and
// removes in teardown), so cleanup is one DELETE that cannot touch the app's jobs, and the
// claims it measures (`job_types => ['bench_history']`, as the job-worker passes its own
// type) never take someone else's job. History is filled with set-based
// INSERT ... SELECT generate_series as postgres, bypassing enqueue_job_v3/complete_job: a
// million RPC round trips would take many minutes and write a million audit rows, while
// the claim and the sweeper read only the columns written here.

import type postgres from "postgres";

export const BENCH_JOB_TYPE = "bench_history";
export const BENCH_LANE = "standard";

/** What fills the table under the measured claims and sweeps. */
export type HistoryKind =
  /** finished jobs (status completed), spread over the last 30 days */
  | "completed"
  /** a backlog: pending jobs that are due now (the claim takes them, oldest first) */
  | "pending_due"
  /** pending jobs due later (retry backoff, backpressure, scheduled work) */
  | "pending_deferred"
  /** half deferred (the older half), half a due backlog (the newer half): new work arriving
   * while older jobs wait out a backoff */
  | "pending_mixed";

export async function registerLane(sql: postgres.Sql): Promise<void> {
  await sql`
    insert into public.job_lanes (job_type, job_lane, is_default, description)
    values (${BENCH_JOB_TYPE}, ${BENCH_LANE}, true, 'bench/history.ts only; removed when it ends')
    on conflict (job_type, job_lane) do nothing`;
}

/** Removes every bench row and the lane; VACUUM ANALYZE so the next size starts clean. */
export async function removeBenchRows(
  sql: postgres.Sql,
  opts: { dropLane: boolean },
): Promise<void> {
  await sql`delete from public.job_queue where job_type = ${BENCH_JOB_TYPE}`;
  if (opts.dropLane) await sql`delete from public.job_lanes where job_type = ${BENCH_JOB_TYPE}`;
  await vacuumAnalyze(sql);
}

/** What autovacuum would have done by the time a real table held this history. */
export async function vacuumAnalyze(sql: postgres.Sql): Promise<void> {
  await flushStats(sql); // so the changes before it are not counted after it
  await sql`vacuum analyze public.job_queue`;
}

/** This connection's pending table statistics reach shared memory once the call returns
 * (PostgreSQL 15 otherwise flushes them up to seconds later). */
export async function flushStats(sql: postgres.Sql): Promise<void> {
  await sql`select pg_catalog.pg_stat_force_next_flush()`;
}

/**
 * Inserts `n` rows of one kind in one statement. Created times are spread over the last 30
 * days (oldest first), so a claim "by priority then age" sees a realistic order. Deferred
 * jobs are due between 1 and 2 hours from now; due ones since their creation.
 */
export async function loadHistory(sql: postgres.Sql, kind: HistoryKind, n: number): Promise<void> {
  const status = kind === "completed" ? "completed" : "pending";
  await sql`
    insert into public.job_queue
      (job_type, job_lane, job_name, job_payload, priority, status, scheduled_at, worker_id,
       started_at, completed_at, job_result, created_at, updated_at)
    select ${BENCH_JOB_TYPE}, ${BENCH_LANE}, 'history-' || g,
           jsonb_build_object('document', g, 'estimated_tokens', 1000, 'backpressure_delay_seconds', 0),
           5, ${status},
           case when ${kind} = 'pending_deferred' or (${kind} = 'pending_mixed' and g <= ${n} / 2)
                then now() + interval '1 hour' + (g::double precision / ${n}) * interval '1 hour'
                else t.created end,
           case when ${status} = 'completed' then 'bench-history-worker-' || (g % 16) end,
           case when ${status} = 'completed' then t.created + interval '1 second' end,
           case when ${status} = 'completed' then t.created + interval '20 seconds' end,
           case when ${status} = 'completed' then '{"pages_done": 3, "tokens_used": 2400}'::jsonb end,
           t.created,
           case when ${status} = 'completed' then t.created + interval '20 seconds' else t.created end
      from generate_series(1, ${n}::integer) g
     cross join lateral (select now() - interval '30 days' + (g::double precision / ${n}) * interval '30 days'
                                - interval '1 minute' as created) t`;
  await vacuumAnalyze(sql);
}

/** `n` pending jobs due now, named `<prefix>-<i>`: the work the measured claims take. */
export async function addDueJobs(sql: postgres.Sql, n: number, prefix: string): Promise<void> {
  await sql`
    insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, scheduled_at)
    select ${BENCH_JOB_TYPE}, ${BENCH_LANE}, ${prefix} || '-' || g, '{"document": 0}', 'pending', now() - interval '1 second'
      from generate_series(1, ${n}::integer) g`;
}

/**
 * `n` processing jobs whose holder stopped beating an hour ago (named `<prefix>-<i>`), with
 * retries left, so the sweeper puts them back to pending (no dead letter, no audit row).
 */
export async function addExpiredLeases(
  sql: postgres.Sql,
  n: number,
  prefix: string,
): Promise<void> {
  await sql`
    insert into public.job_queue
      (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at, max_retries)
    select ${BENCH_JOB_TYPE}, ${BENCH_LANE}, ${prefix} || '-' || g, '{"document": 0}', 'processing',
           'bench-dead-worker-' || g, now() - interval '1 hour', now() - interval '1 hour', 3
      from generate_series(1, ${n}::integer) g`;
}

/** How many bench rows with this name prefix are in each status. */
export async function statusCounts(
  sql: postgres.Sql,
  prefix: string,
): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::integer as n from public.job_queue
     where job_type = ${BENCH_JOB_TYPE} and job_name like ${prefix + "-%"}
     group by status`;
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function deleteByPrefix(sql: postgres.Sql, prefix: string): Promise<void> {
  await sql`delete from public.job_queue where job_type = ${BENCH_JOB_TYPE} and job_name like ${
    prefix + "-%"
  }`;
}
