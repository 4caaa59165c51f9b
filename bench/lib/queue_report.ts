// The queue-core benchmark's numbers: per system and K, the median over runs of drain jobs/s,
// its ratio to the pgbench ceiling of the same run and K, and enqueue→claim p50/p95 of the
// steady phase; the table BENCHMARKS.md shows, and the goals read off it.

import { median } from "./stats.ts";
import type { Table } from "./results.ts";

export const CEILING_ID = "ceiling";

/** One measurement of one system at one K in one run. */
export interface RunRecord {
  jobs_per_s: number;
  /** jobs_per_s / the ceiling's jobs_per_s in the same run and K. */
  ratio: number;
  /** NaN for the ceiling, which has no enqueue. */
  latency_p50_ms: number;
  latency_p95_ms: number;
  enqueue_per_s: number;
  offered_per_s: number;
}

export interface Row {
  id: string;
  label: string;
  k: number;
  median: RunRecord;
  runs: RunRecord[];
}

export function summarize(id: string, label: string, k: number, runs: RunRecord[]): Row {
  const keys = Object.keys(runs[0]) as Array<keyof RunRecord>;
  const med = {} as RunRecord;
  for (const key of keys) {
    const values = runs.map((r) => r[key]).filter((v) => Number.isFinite(v));
    med[key] = values.length ? median(values) : NaN;
  }
  return { id, label, k, median: med, runs };
}

export function buildTable(rows: Row[]): Table {
  return {
    columns: ["system", "K", "jobs/s (drain)", "× ceiling", "enqueue→claim p50 (ms)", "p95 (ms)"],
    rows: rows.map((r) => [
      r.label,
      r.k,
      Math.round(r.median.jobs_per_s),
      r.id === CEILING_ID ? "1" : r.median.ratio.toFixed(2),
      r.median.latency_p50_ms,
      r.median.latency_p95_ms,
    ]),
  };
}

/**
 * The goals at K=16 over direct SQL, when K=16 was measured: one line for the
 * single-job RPCs and one for the batched ones.
 */
export function goalNotes(rows: Row[], k = 16): string[] {
  const at = (id: string) => rows.find((r) => r.id === id && r.k === k)?.median;
  const notes: string[] = [];
  for (const row of rows.filter((r) => r.k === k && r.id.startsWith("rpc_sql"))) {
    const ours = row.median;
    const parts: string[] = [];
    const compare = (id: string, name: string) => {
      const other = at(id);
      if (!other) return;
      const ratio = ours.jobs_per_s / other.jobs_per_s;
      parts.push(
        `${ratio >= 1 ? "met" : "missed"}: ≥ ${name} (${ratio.toFixed(2)}×, ${
          Math.round(ours.jobs_per_s)
        } vs ${Math.round(other.jobs_per_s)} jobs/s)`,
      );
    };
    compare("pgboss", "pg-boss");
    compare("graphile", "Graphile Worker with batching off");
    parts.push(
      `${ours.ratio >= 0.5 ? "met" : "missed"}: ≥ 50% of the ceiling (${
        Math.round(ours.ratio * 100)
      }%)`,
    );
    notes.push(`Goals at K=${k}, ${row.label}: ${parts.join("; ")}.`);
  }
  return notes;
}
