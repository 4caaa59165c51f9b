// The pipeline benchmark's table and notes, from the median of the runs and the censuses of
// round trips (pure: no I/O, so the wording can be checked without a stack).

import type { Table } from "./results.ts";
import type { Census } from "./pipeline_census.ts";
import { GROUPS, unprefix } from "./pipeline_metrics.ts";
import type { StepKind } from "./pipeline_logs.ts";

export const OVERHEAD_GOAL_MS = 25;

/** pipeline_cpu.ts's parts, as the notes name them. */
const CPU_PARTS: Record<string, string> = {
  gateway: "gateway (proxy, Storage, the Edge Function workers)",
  postgrest: "PostgREST",
  postgres: "PostgreSQL",
  standin: "OpenAI stand-in",
  dispatcher: "net-dispatcher",
};

export interface Scenario {
  key: string;
  label: string;
  documents: number;
}

const r1 = (n: number) => Math.round(n * 10) / 10;

/** "rpc:acquire_api_capacity" -> "acquire_api_capacity", "table:shell_file_pages" -> "read shell_file_pages". */
function targetLabel(target: string): string {
  if (target === "storage") return "Storage download";
  const [kind, name] = target.split(":");
  return kind === "table" ? `read ${name}` : name ?? target;
}

/** Census round trips per document, by target, outside the per-invocation claims. */
function perDocument(c: Census, documents: number): string {
  return JSON.stringify(
    Object.entries(c.byTarget)
      .filter(([t]) => !(t in c.perInvocation))
      .map(([t, n]) => [t, n / documents])
      .sort(),
  );
}

export function pipelineTable(
  scenarios: readonly Scenario[],
  median: Record<string, number>,
  censuses: Record<string, Census>,
): Table {
  const rpcP50 = median["rpc.p50"];
  const single = censuses[scenarios[0].key];
  const rows: Table["rows"] = [];
  for (const s of scenarios) {
    const m = unprefix(median, s.key);
    const c = censuses[s.key];
    // Per kind, the sequential (one document) census; it holds for a batch whose documents
    // made the same round trips by target.
    const sameAsSingle =
      perDocument(c, s.documents) === perDocument(single, scenarios[0].documents);
    for (const group of GROUPS) {
      const all = group === "all";
      const kind = single.byKind?.[group as StepKind];
      const roundTrips = all ? c.perStep.roundTrips : sameAsSingle && kind ? kind.roundTrips : NaN;
      rows.push([
        all ? s.label : "",
        all ? "all steps" : group,
        m[`${group}.steps`],
        all ? r1(m.wall_ms / 1000) : "",
        all ? r1(m.steps_per_s) : "",
        all ? m.invocations : "",
        Number.isFinite(roundTrips) ? r1(roundTrips) : "–",
        m[`${group}.overhead_p50`],
        m[`${group}.overhead_p95`],
        `${r1(m[`${group}.overhead_p50`] / rpcP50)}×`,
        all ? r1(m["cpu_per_step.total"]) : "",
      ]);
    }
  }
  const baseline = (
    label: string,
    what: string,
    p50: number,
    p95: number,
    ratio: string,
  ) => [label, what, "", "", "", "", 1, r1(p50), r1(p95), ratio, ""];
  rows.push(
    baseline(
      "one RPC round trip (its time)",
      "is_service_role(): supabase-js → gateway → PostgREST",
      median["rpc.p50"],
      median["rpc.p95"],
      "1×",
    ),
  );
  rows.push(
    baseline(
      "one SQL round trip (its time)",
      "the same function over postgres.js",
      median["sql.p50"],
      median["sql.p95"],
      "",
    ),
  );
  return {
    columns: [
      "scenario",
      "step",
      "steps",
      "wall time (s)",
      "steps/s",
      "job-worker invocations",
      "DB round trips per step",
      "overhead per step p50 (ms)",
      "overhead per step p95 (ms)",
      "overhead p50 ÷ RPC p50",
      "stack CPU per step (ms)",
    ],
    rows,
  };
}

export function pipelineNotes(
  scenarios: readonly Scenario[],
  median: Record<string, number>,
  censuses: Record<string, Census>,
): string[] {
  const single = censuses[scenarios[0].key];
  const notes: string[] = [
    "Wall time: from the intake requests (all documents at once, as the app sends them after uploading) to the last " +
    "document's completion (shell_files.processing_completed_at); the dispatch is private.dispatch_workers() called at " +
    "once instead of the minute's pg_cron tick. Step time: the worker's own `ms` per step (gateway log), from before the " +
    "step to after its record_* RPC. Overhead = step time − provider time, the provider time being the stand-in's own " +
    `time per call (its log; p50 ${
      r1(median[`${scenarios[0].key}.provider_ms_p50`])
    } ms at latencyMs 0): database round ` +
    "trips, capacity acquire/release, reading the page back, validating the answer, the HTTP hop to the provider and " +
    "PDF text extraction all count as overhead. p50/p95 are over every step of a run; the table shows the median of the runs. Stack CPU: CPU time of the stack's " +
    "own processes (/proc) from the intake to the last invocation's end, per step.",
    "DB round trips: one PostgREST or Storage request is one database transaction (PostgREST: BEGIN, set_config, the " +
    "query, COMMIT). Counted from outside in a separate census pass per scenario with statement logging on " +
    "(log_min_duration_statement = 0, no parameters), never in the timed runs; the census pass is also the warm-up. " +
    '"all steps" includes the claims (claim_next_job_v3 before each job and one that finds nothing at the end).',
  ];
  if (single.byKind) {
    const parts =
      (Object.entries(single.byKind) as Array<[StepKind, NonNullable<Census["byKind"]>[StepKind]]>)
        .map(([kind, k]) =>
          `${kind}: ${
            Object.entries(k!.byTarget).map(([t, n]) =>
              `${targetLabel(t)}${n === 1 ? "" : ` ×${r1(n)}`}`
            ).join(" + ")
          } ` +
          `(${r1(k!.statements)} statements, ${r1(k!.dbMs)} ms in the database)`
        );
    const perInvocation = Object.entries(single.perInvocation).map(([t, n]) =>
      `${targetLabel(t)} ×${n}`
    ).join(", ");
    notes.push(
      `Round trips per step, one document: ${parts.join("; ")}; per invocation: ${perInvocation}.`,
    );
  }
  const rpcCpu = unprefix(median, "rpc.cpu");
  notes.push(
    "One RPC round trip from outside costs the stack, in CPU: " +
      ["gateway", "postgrest", "postgres"].map((part) =>
        `${CPU_PARTS[part]} ${r1(rpcCpu[part] ?? NaN)} ms`
      ).join(", ") +
      " (the gateway's share is its proxy alone).",
  );
  for (const s of scenarios) {
    const m = unprefix(median, s.key);
    const cpu = unprefix(m, "cpu_per_step");
    const trips = censuses[s.key].perStep.roundTrips;
    const proxy = trips * (rpcCpu.gateway ?? NaN);
    notes.push(
      `${s.label}, CPU per step by part of the stack: ` +
        Object.entries(CPU_PARTS).map(([part, label]) => `${label} ${r1(cpu[part] ?? NaN)} ms`)
          .join(", ") +
        `. Of the gateway's, its ${r1(trips)} round trips' proxying is about ${
          r1(proxy)
        } ms; the rest, ` +
        `${
          r1(cpu.gateway - proxy)
        } ms, is the Edge Function itself (its HTTP client, supabase-js, JSON, validation, ` +
        `PDF text). The machine's cores were ${
          Math.round(m.machine_busy * 100)
        }% busy (other work on it included).`,
    );
  }
  for (const s of scenarios) {
    const m = unprefix(median, s.key);
    const overhead = m["all.overhead_p50"];
    const verdict = overhead < OVERHEAD_GOAL_MS
      ? `meets the goal (< ${OVERHEAD_GOAL_MS} ms) by ${r1(OVERHEAD_GOAL_MS - overhead)} ms`
      : `misses the goal (< ${OVERHEAD_GOAL_MS} ms) by ${r1(overhead - OVERHEAD_GOAL_MS)} ms`;
    notes.push(
      `${s.label}: overhead p50 ${
        r1(overhead)
      } ms ${verdict}; ${m.dispatched} invocation(s) dispatched, ` +
        `${m.invocations} in all; intake ${Math.round(m.intake_ms)} ms; queued → claimed up to ` +
        `${Math.round(m.queued_to_claimed_ms_max)} ms; ${r1(m.steps_per_s)} steps/s.`,
    );
  }
  return notes;
}
