// The measured calls of the history benchmark: claim (+ complete) and the sweeper, each
// timed from the client, on one connection as postgres (direct SQL, as a worker pool or the
// SQL editor would call them). Each function checks what it measured and throws when the
// harness is broken (a claim that found nothing, a job claimed twice, a completion refused,
// an expired lease left behind), so a broken run never reports a number.

import type postgres from "postgres";
import { latency } from "./stats.ts";
import {
  addDueJobs,
  addExpiredLeases,
  BENCH_JOB_TYPE,
  deleteByPrefix,
  statusCounts,
} from "./history_fixture.ts";

export interface ClaimSample {
  claim_p50_ms: number;
  claim_p95_ms: number;
  complete_p50_ms: number;
  /** claims made (warm-up included) */
  claims: number;
  /** claims timed */
  samples: number;
}

export interface ClaimOptions {
  samples: number;
  warmup: number;
  tag: string;
  /** Stop warming up after this long (at least one warm-up claim). */
  warmupBudgetMs: number;
  /** Stop sampling after this long, once `minSamples` are in: a slow plan (a second per
   * claim) must not turn one run into minutes. */
  budgetMs: number;
  minSamples: number;
}

/**
 * Up to `warmup + samples` claim → complete pairs on a fresh set of due jobs; the claims of
 * the samples are timed. In a scenario with a due backlog the claims take backlog jobs
 * instead (they are older), which is what a worker would do; the checks hold either way.
 */
export async function measureClaims(sql: postgres.Sql, opts: ClaimOptions): Promise<ClaimSample> {
  await addDueJobs(sql, opts.samples + opts.warmup, `due-${opts.tag}`);
  const claimMs: number[] = [];
  const completeMs: number[] = [];
  const seen = new Set<string>();
  const warmupEnd = performance.now() + opts.warmupBudgetMs;
  let warmups = 0;
  let sampleEnd = Infinity;
  for (let i = 0; claimMs.length < opts.samples; i++) {
    const warming = warmups < opts.warmup && (warmups === 0 || performance.now() < warmupEnd);
    if (!warming && sampleEnd === Infinity) sampleEnd = performance.now() + opts.budgetMs;
    if (!warming && claimMs.length >= opts.minSamples && performance.now() > sampleEnd) break;
    const worker = `bench-claim-${opts.tag}-${i}`;
    const t0 = performance.now();
    const rows = await sql<{ job_id: string }[]>`
      select job_id from public.claim_next_job_v3(${worker}::text, array[${BENCH_JOB_TYPE}::text])`;
    const t1 = performance.now();
    if (rows.length !== 1) {
      throw new Error(`claim ${i} (${opts.tag}) found no job although due jobs were waiting`);
    }
    const jobId = rows[0].job_id;
    if (seen.has(jobId)) throw new Error(`job ${jobId} was claimed twice (${opts.tag})`);
    seen.add(jobId);
    const [done] = await sql<
      { ok: boolean }[]
    >`select public.complete_job(${jobId}::uuid, ${worker}::text) as ok`;
    const t2 = performance.now();
    if (done.ok !== true) {
      throw new Error(`complete_job refused job ${jobId} held by ${worker} (${opts.tag})`);
    }
    if (warming) {
      warmups++;
    } else {
      claimMs.push(t1 - t0);
      completeMs.push(t2 - t1);
    }
  }
  const total = seen.size;
  // Every claim completed exactly the job it took: as many completed rows carry this run's
  // worker ids as claims were made.
  const [check] = await sql<{ n: number }[]>`
    select count(*)::integer as n from public.job_queue
     where job_type = ${BENCH_JOB_TYPE} and status = 'completed' and worker_id like ${`bench-claim-${opts.tag}-%`}`;
  if (check.n !== total) {
    throw new Error(`${total} claims completed but ${check.n} jobs show it (${opts.tag})`);
  }
  // Due jobs a backlog scenario left unclaimed are removed so runs do not pile them up.
  await sql`delete from public.job_queue
             where job_type = ${BENCH_JOB_TYPE} and status = 'pending' and job_name like ${`due-${opts.tag}-%`}`;
  const claim = latency(claimMs);
  const complete = latency(completeMs);
  return {
    claim_p50_ms: claim.p50,
    claim_p95_ms: claim.p95,
    complete_p50_ms: complete.p50,
    claims: total,
    samples: claimMs.length,
  };
}

export interface SweepSample {
  sweep_idle_p50_ms: number;
  sweep_idle_p95_ms: number;
  sweep_expired_p50_ms: number;
  sweep_expired_p95_ms: number;
  reclaimed: number;
}

/**
 * The sweeper, (a) with nothing expired, `idleSamples` calls; (b) with `expiredPerSweep`
 * leases expired before each of `expiredSamples` calls (set up and removed untimed).
 * pg_cron's own minute sweep may take some of them first; the check is that none is left
 * processing, whoever reclaimed it (the count of what these sweeps reclaimed is reported).
 */
export async function measureSweeps(
  sql: postgres.Sql,
  opts: { idleSamples: number; expiredSamples: number; expiredPerSweep: number; tag: string },
): Promise<SweepSample> {
  const idleMs: number[] = [];
  for (let i = 0; i < opts.idleSamples; i++) {
    const t0 = performance.now();
    await sql`select * from public.reclaim_expired_jobs()`;
    idleMs.push(performance.now() - t0);
  }
  const expiredMs: number[] = [];
  let reclaimed = 0;
  for (let i = 0; i < opts.expiredSamples; i++) {
    const prefix = `expired-${opts.tag}-${i}`;
    await addExpiredLeases(sql, opts.expiredPerSweep, prefix);
    const t0 = performance.now();
    const [row] = await sql<{ reclaimed: number; dead_lettered: number }[]>`
      select reclaimed, dead_lettered from public.reclaim_expired_jobs()`;
    expiredMs.push(performance.now() - t0);
    reclaimed += row.reclaimed;
    await expectAllReclaimed(sql, prefix, opts.expiredPerSweep, `sweep ${i} (${opts.tag})`);
    await deleteByPrefix(sql, prefix);
  }
  const idle = latency(idleMs);
  const expired = latency(expiredMs);
  return {
    sweep_idle_p50_ms: idle.p50,
    sweep_idle_p95_ms: idle.p95,
    sweep_expired_p50_ms: expired.p50,
    sweep_expired_p95_ms: expired.p95,
    reclaimed,
  };
}

/**
 * Every injected lease is back to pending. A row pg_cron's own sweep had locked at that
 * moment was skipped (SKIP LOCKED) and is reclaimed when that sweep commits, so the check
 * waits for it, up to 2 s.
 */
async function expectAllReclaimed(
  sql: postgres.Sql,
  prefix: string,
  n: number,
  where: string,
): Promise<void> {
  let counts: Record<string, number> = {};
  for (let attempt = 0; attempt < 40; attempt++) {
    counts = await statusCounts(sql, prefix);
    if ((counts.pending ?? 0) === n && Object.keys(counts).length === 1) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${where} left ${JSON.stringify(counts)}; expected ${n} pending`);
}
