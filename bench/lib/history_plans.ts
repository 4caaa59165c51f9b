// EXPLAIN (ANALYZE, BUFFERS) of the statements claim_next_job_v3 (through claim_next_jobs_v3)
// and reclaim_expired_jobs run, as they run them.
//
// A PL/pgSQL function's statements are prepared statements whose parameters are its
// variables, cached per connection: the first five executions get plans for the actual
// values, then the plan cache may switch to a generic plan. EXPLAIN of `select
// claim_next_job_v3(...)` shows only "Function Scan", and auto_explain needs a superuser,
// which a Supabase project does not give. So the statement is read from the function's own
// source (pg_proc.prosrc, so the plan follows the migration, never a copy of it), its
// variables become $1..$n of a PREPARE, it is executed five times, and the sixth execution
// is explained: the plan the function itself would be using by then. All of it happens in
// one transaction that is rolled back, so nothing is claimed or reclaimed for real.

import type postgres from "postgres";
import { addDueJobs, addExpiredLeases, BENCH_JOB_TYPE } from "./history_fixture.ts";

interface Extracted {
  name: string;
  statement: string;
  paramTypes: string[];
}

/** The statement between `start` and `end` in a function body, variables → $n. */
export function extractStatement(
  source: string,
  start: RegExp,
  end: RegExp,
  variables: Array<[string, string]>,
  label: string,
): { statement: string; paramTypes: string[] } {
  const from = source.search(start);
  if (from < 0) {
    throw new Error(
      `${label}: ${start} not found in the function source (did the function change?)`,
    );
  }
  const rest = source.slice(from).replace(start, "");
  const to = rest.search(end);
  if (to < 0) throw new Error(`${label}: ${end} not found after ${start} in the function source`);
  let statement = rest.slice(0, to).trim();
  variables.forEach(([name], i) => {
    const pattern = new RegExp(`(?<![\\w.])${name.replace(/\./g, "\\.")}(?!\\w)`, "g");
    statement = statement.replace(pattern, `$${i + 1}`);
  });
  // A variable left unmapped would make the PREPARE fail or, worse, plan something else.
  const leftover = new RegExp(`(?<![\\w.])v_[a-z_]+\\b|\\b${label}\\.`).exec(statement);
  if (leftover) {
    throw new Error(
      `${label}: variable ${leftover[0]} of the function is not mapped to a parameter`,
    );
  }
  return { statement, paramTypes: variables.map(([, type]) => type) };
}

async function functionSource(sql: postgres.Sql, signature: string): Promise<string> {
  const [row] = await sql<{ src: string | null }[]>`
    select p.prosrc as src from pg_catalog.pg_proc p where p.oid = to_regprocedure(${signature})`;
  if (!row?.src) throw new Error(`function ${signature} not found`);
  return row.src;
}

export async function claimStatement(sql: postgres.Sql): Promise<Extracted> {
  // claim_next_job_v3 is claim_next_jobs_v3 with max_jobs = 1: the statement lives there.
  const src = await functionSource(sql, "public.claim_next_jobs_v3(text, text[], text[], integer)");
  const { statement, paramTypes } = extractStatement(
    src,
    /return query\s+/,
    /;\s*\n/,
    [
      ["claim_next_jobs_v3.worker_id", "text"],
      ["claim_next_jobs_v3.job_types", "text[]"],
      ["claim_next_jobs_v3.job_lanes", "text[]"],
      ["claim_next_jobs_v3.max_jobs", "integer"],
      ["v_timeout", "interval"],
    ],
    "claim_next_jobs_v3",
  );
  return { name: "bench_claim", statement, paramTypes };
}

export async function sweepStatement(sql: postgres.Sql): Promise<Extracted> {
  const src = await functionSource(sql, "public.reclaim_expired_jobs()");
  const { statement, paramTypes } = extractStatement(
    src,
    /for v_job in\s+/,
    /\n\s*loop\b/,
    [["v_timeout", "interval"], ["v_jitter_max", "integer"], ["v_batch", "integer"]],
    "reclaim_expired_jobs",
  );
  return { name: "bench_sweep", statement, paramTypes };
}

const lit = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function explainPrepared(
  tx: postgres.Sql,
  stmt: Extracted,
  args: (i: number) => string,
  before: (i: number) => Promise<void>,
): Promise<string> {
  await tx.unsafe(`prepare ${stmt.name} (${stmt.paramTypes.join(", ")}) as ${stmt.statement}`);
  for (let i = 0; i < 5; i++) {
    await before(i);
    await tx.unsafe(`execute ${stmt.name}(${args(i)})`);
  }
  await before(5);
  const rows = await tx.unsafe(`explain (analyze, buffers) execute ${stmt.name}(${args(5)})`);
  await tx.unsafe(`deallocate ${stmt.name}`);
  return rows.map((r) => r["QUERY PLAN"] as string).join("\n");
}

/**
 * The claim's plan with some due jobs waiting and the sweeper's plan with `expired` leases
 * past their end, on whatever history the table holds now. `sql` must be a single
 * connection (max 1): PREPARE and the transaction live on it.
 */
export async function explainClaimAndSweep(
  sql: postgres.Sql,
  opts: { expired: number },
): Promise<{ claim: string; sweep: string; claim_statement: string; sweep_statement: string }> {
  const claim = await claimStatement(sql);
  const sweep = await sweepStatement(sql);
  const [cfg] = await sql<{ timeout: string; jitter: number; batch: number }[]>`
    select private.job_lease_timeout()::text as timeout,
           greatest(private.config_int('worker.reclaim_jitter_max_seconds', 10), 0) as jitter,
           greatest(private.config_int('queue.sweep_batch_size', 500), 1) as batch`;
  await sql`begin`;
  try {
    await addDueJobs(sql, 6, "explain-due");
    const claimPlan = await explainPrepared(
      sql,
      claim,
      (i) =>
        `${lit(`bench-explain-${i}`)}, ${lit(`{${BENCH_JOB_TYPE}}`)}, null, 1, ${lit(cfg.timeout)}`,
      async () => {},
    );
    const sweepPlan = await explainPrepared(
      sql,
      sweep,
      () => `${lit(cfg.timeout)}, ${cfg.jitter}, ${cfg.batch}`,
      (i) => addExpiredLeases(sql, opts.expired, `explain-expired-${i}`),
    );
    return {
      claim: claimPlan,
      sweep: sweepPlan,
      claim_statement: claim.statement,
      sweep_statement: sweep.statement,
    };
  } finally {
    await sql`rollback`;
  }
}

/**
 * Shared buffers (hit + read) the whole statement touched: the first "Buffers:" line of a
 * plan is its top node's, which includes its children. Unlike a latency, it does not move
 * with the machine's load, so it shows whether history changes the work a claim does.
 */
export function planBuffers(plan: string): number {
  const line = /Buffers: shared([^\n]*)/.exec(plan)?.[1];
  if (line === undefined) throw new Error(`no Buffers line in the plan:\n${plan}`);
  const count = (key: string) => Number(new RegExp(`${key}=(\\d+)`).exec(line)?.[1] ?? 0);
  return count("hit") + count("read");
}
