// From a batch's raw lines to the numbers the table shows. Definitions:
//   step time      the worker's own `ms` for a step: from before the step to after its record_*
//                  RPC answered (functions/_shared/worker/run.ts);
//   provider time  what the stand-in itself spent on the step's request (its log; 0 for steps
//                  that call no provider: inspect, text-layer pages, finish). Per kind of call,
//                  the median of the batch: at latencyMs 0 it is a millisecond or less;
//   overhead       step time - provider time: everything the orchestration adds around the
//                  model's work (database round trips, rate-limit acquire and release, reading
//                  the page back, validating the answer, the HTTP hop to the provider, PDF text).
// The inspect step pays for the document's download and PDF opening. What happens outside any
// step (the dispatch, claims) is not lost: wall time and the queued -> claimed time show it.

import { median, percentile } from "./stats.ts";
import type { Batch } from "./pipeline_documents.ts";
import { PROVIDER_NOTE, STEP_KINDS, type StepKind, type StepLine } from "./pipeline_logs.ts";

export interface StepStats {
  steps: number;
  step_p50: number;
  step_p95: number;
  overhead_p50: number;
  overhead_p95: number;
}

export type Group = "all" | StepKind;
export const GROUPS: readonly Group[] = ["all", ...STEP_KINDS];

/** The stand-in's median time per kind of step (0 where the step makes no provider call). */
export function providerTimes(batch: Batch): Record<StepKind, number> {
  const out = {} as Record<StepKind, number>;
  for (const kind of STEP_KINDS) {
    const note = PROVIDER_NOTE[kind];
    const calls = note ? batch.providerCalls.filter((c) => c.note === note).map((c) => c.ms) : [];
    out[kind] = calls.length ? median(calls) : 0;
  }
  return out;
}

function stats(lines: readonly StepLine[], provider: Record<StepKind, number>): StepStats {
  const ms = lines.map((l) => l.ms);
  const overhead = lines.map((l) => Math.max(0, l.ms - provider[l.step]));
  return {
    steps: lines.length,
    step_p50: percentile(ms, 50),
    step_p95: percentile(ms, 95),
    overhead_p50: percentile(overhead, 50),
    overhead_p95: percentile(overhead, 95),
  };
}

export function stepStats(batch: Batch): Record<Group, StepStats> {
  const provider = providerTimes(batch);
  const out = { all: stats(batch.steps, provider) } as Record<Group, StepStats>;
  for (const kind of STEP_KINDS) {
    out[kind] = stats(batch.steps.filter((s) => s.step === kind), provider);
  }
  return out;
}

/** One batch as flat numbers (medianOfRuns takes the median of each across runs). */
export function batchMetrics(batch: Batch): Record<string, number> {
  const out: Record<string, number> = {
    wall_ms: batch.wallMs,
    intake_ms: batch.intakeMs,
    invocations: batch.invocations,
    dispatched: batch.dispatched,
    queued_to_claimed_ms_max: Math.max(...batch.jobs.map((j) => j.queuedToClaimedMs)),
    claimed_to_completed_ms_max: Math.max(...batch.jobs.map((j) => j.claimedToCompletedMs)),
    steps_per_s: (batch.steps.length / batch.wallMs) * 1000,
    provider_ms_p50: median(batch.providerCalls.map((c) => c.ms)),
    machine_busy: batch.machineBusy,
  };
  let cpu = 0;
  for (const [part, ms] of Object.entries(batch.cpuMs)) {
    out[`cpu_per_step.${part}`] = ms / batch.steps.length;
    cpu += ms;
  }
  out["cpu_per_step.total"] = cpu / batch.steps.length;
  const all = stepStats(batch);
  for (const group of GROUPS) {
    for (const [key, value] of Object.entries(all[group])) out[`${group}.${key}`] = value;
  }
  return out;
}

/** Keys of `metrics` under `prefix.`, without it. */
export function unprefix(metrics: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(metrics)) {
    if (key.startsWith(`${prefix}.`)) out[key.slice(prefix.length + 1)] = value;
  }
  return out;
}
