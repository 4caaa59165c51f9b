// What the queue-core benchmark runs, and in which order: for each run and each K, the pgbench
// ceiling, then every system's drain and steady phases; the rows of the table come out.

import { latency } from "./stats.ts";
import type { Ceiling } from "./queue_ceiling.ts";
import { measureDrain, measureSteady, type QueueSystem } from "./queue_harness.ts";
import { CEILING_ID, type Row, type RunRecord, summarize } from "./queue_report.ts";

export interface Plan {
  jobs: number;
  ks: number[];
  steadyJobs: number;
  steadyRate: number;
}

// The steady rate is low enough for the slowest system at K=1 (PostgREST, about 100 jobs/s
// here) to keep up with, so latency shows how soon new work is noticed, not a queue building up.
export const FULL: Plan = { jobs: 20_000, ks: [1, 4, 16], steadyJobs: 250, steadyRate: 25 };
// Quick proves the harness in CI in under a minute: 500 jobs keep the slowest drain (PostgREST
// at K=1) to a few seconds on a busy 2-core runner.
export const QUICK: Plan = { jobs: 500, ks: [1, 4], steadyJobs: 25, steadyRate: 25 };

export const CEILING_LABEL = "ceiling: pgbench, 2 single-row UPDATEs per job";

/**
 * Measures everything `runs` times. Run-major order: every system is measured once per K
 * before any is measured again, so drift on a shared machine spreads over all of them instead
 * of favouring one. Rows come out grouped by K, the ceiling first.
 */
export async function runPlan(
  plan: Plan,
  runs: number,
  systems: QueueSystem[],
  ceiling: Ceiling,
  log: (line: string) => void = console.log,
): Promise<Row[]> {
  // Timeouts only turn a hang into an error: generous enough for PostgREST at K=1 on a busy
  // machine.
  const drainTimeoutMs = 120_000 + plan.jobs * 50;
  const steadyTimeoutMs = 60_000 + (plan.steadyJobs / plan.steadyRate) * 1000;
  const records = new Map<string, RunRecord[]>();
  const push = (id: string, k: number, record: RunRecord) => {
    const key = `${id}@${k}`;
    records.set(key, [...(records.get(key) ?? []), record]);
  };

  for (let run = 1; run <= runs; run++) {
    for (const k of plan.ks) {
      const top = await ceiling.run(k, plan.jobs);
      push(CEILING_ID, k, {
        jobs_per_s: top.jobs_per_s,
        ratio: 1,
        latency_p50_ms: NaN,
        latency_p95_ms: NaN,
        enqueue_per_s: NaN,
        offered_per_s: NaN,
      });
      log(`run ${run}/${runs} K=${k} ${CEILING_LABEL}: ${Math.round(top.jobs_per_s)} jobs/s`);
      for (const system of systems) {
        const drain = await measureDrain(system, plan.jobs, k, drainTimeoutMs);
        const steady = await measureSteady(
          system,
          plan.steadyJobs,
          plan.steadyRate,
          k,
          steadyTimeoutMs,
        );
        const lat = latency(steady.latencies);
        const ratio = drain.jobs_per_s / top.jobs_per_s;
        push(system.id, k, {
          jobs_per_s: drain.jobs_per_s,
          ratio,
          latency_p50_ms: lat.p50,
          latency_p95_ms: lat.p95,
          enqueue_per_s: drain.enqueue_per_s,
          offered_per_s: steady.offered_per_s,
        });
        log(
          `run ${run}/${runs} K=${k} ${system.label}: ${Math.round(drain.jobs_per_s)} jobs/s ` +
            `(${ratio.toFixed(2)}× ceiling), enqueue→claim p50 ${lat.p50.toFixed(1)} ms, p95 ${
              lat.p95.toFixed(1)
            } ms`,
        );
      }
    }
  }

  const labels = new Map<string, string>([[CEILING_ID, CEILING_LABEL]]);
  for (const system of systems) labels.set(system.id, system.label);
  const rows: Row[] = [];
  for (const k of plan.ks) {
    for (const [id, label] of labels) {
      rows.push(summarize(id, label, k, records.get(`${id}@${k}`)!));
    }
  }
  return rows;
}
