// The phases of the rate-limiter benchmark, each on a fresh provider row of its own:
//   - throughput: every limit out of reach (concurrent_requests = 64, as many as the most
//     callers), so what is measured is the limiter's own cost, never a refusal;
//   - one phase per limit (requests and tokens per minute and per hour, concurrency), set
//     low enough that the callers reach it within a second or two and are then refused:
//     these prove the limit holds under contention, and show it was reached.
// Every phase is checked from the recorded lease events (ratelimit_fixture.ts), never from
// the callers' counters, and the callers' counts must match those events.

import type postgres from "postgres";
import { type CallerPool, runCallers, type RunResult } from "./ratelimit_callers.ts";
import {
  BENCH_PROVIDER,
  countViolations,
  createProviderRow,
  type Limits,
  rowState,
  type Violations,
} from "./ratelimit_fixture.ts";

const UNREACHABLE = 2_000_000_000;

export interface PhaseSpec {
  name: string;
  limits: Limits;
  tokens: (caller: number, i: number) => number;
  /** The limit that must be seen reached for the phase to have tested anything. */
  binds:
    | keyof Pick<
      Violations,
      | "max_requests_minute"
      | "max_requests_hour"
      | "max_tokens_minute"
      | "max_tokens_hour"
      | "max_in_flight"
    >
    | null;
  stopAfterRefusals?: number;
}

/** A spread of estimates in 1..2000 that repeats from run to run. */
const spread = (caller: number, i: number) => ((caller * 7919 + i * 104729) % 2000) + 1;

export const THROUGHPUT: PhaseSpec = {
  name: "throughput",
  limits: {
    requests_per_minute: UNREACHABLE,
    requests_per_hour: UNREACHABLE,
    tokens_per_minute: UNREACHABLE,
    tokens_per_hour: UNREACHABLE,
    concurrent_requests: 64,
  },
  tokens: () => 1000,
  binds: null,
};

const none: Limits = {
  requests_per_minute: null,
  requests_per_hour: null,
  tokens_per_minute: null,
  tokens_per_hour: null,
  concurrent_requests: null,
};

export const WINDOW_PHASES: PhaseSpec[] = [
  {
    name: "requests/minute",
    limits: { ...none, requests_per_minute: 500 },
    tokens: spread,
    binds: "max_requests_minute",
  },
  {
    name: "tokens/minute",
    limits: { ...none, tokens_per_minute: 200_000 },
    tokens: spread,
    binds: "max_tokens_minute",
  },
  {
    name: "requests/hour",
    limits: { ...none, requests_per_hour: 400 },
    tokens: spread,
    binds: "max_requests_hour",
  },
  {
    name: "tokens/hour",
    limits: { ...none, tokens_per_hour: 150_000 },
    tokens: spread,
    binds: "max_tokens_hour",
  },
  // Reachable only with more than 4 callers (each holds at most one slot).
  {
    name: "concurrency",
    limits: { ...none, concurrent_requests: 4 },
    tokens: () => 1000,
    binds: "max_in_flight",
  },
].map((p) => ({ ...p, stopAfterRefusals: 200 }) as PhaseSpec);

/** A concurrency phase cannot reach its limit with no more callers than slots. */
export function phaseApplies(spec: PhaseSpec, callers: number): boolean {
  return spec.binds !== "max_in_flight" || callers > (spec.limits.concurrent_requests ?? Infinity);
}

export interface PhaseResult {
  phase: string;
  limits: Limits;
  run: RunResult;
  violations: Violations;
}

/**
 * Runs one phase with `callers` callers and checks it. Throws when the harness is broken:
 * the recorded events disagree with what the callers saw, a slot is left held, or a window
 * phase never reached its limit (then it tested nothing).
 */
export async function runPhase(
  admin: postgres.Sql,
  pool: CallerPool,
  spec: PhaseSpec,
  opts: { callers: number; durationMs: number; tag: string },
): Promise<PhaseResult> {
  if (!phaseApplies(spec, opts.callers)) {
    throw new Error(`phase ${spec.name} cannot be reached by ${opts.callers} callers`);
  }
  const endpoint = `${opts.tag}-${spec.name.replace("/", "-per-")}-${opts.callers}`;
  const rateLimitId = await createProviderRow(admin, endpoint, spec.limits);
  const run = await runCallers(pool, {
    provider: BENCH_PROVIDER,
    endpoint,
    callers: opts.callers,
    durationMs: opts.durationMs,
    tokens: spec.tokens,
    stopAfterRefusals: spec.stopAfterRefusals,
  });
  const violations = await countViolations(admin, rateLimitId);
  const state = await rowState(admin, rateLimitId);
  const where = `${spec.name}, ${opts.callers} callers`;
  if (violations.acquires !== run.granted || violations.releases !== run.granted) {
    throw new Error(
      `${where}: callers saw ${run.granted} granted pairs, the leases recorded ${violations.acquires} acquisitions and ${violations.releases} releases`,
    );
  }
  if (state.active_requests !== 0 || state.leases !== 0) {
    throw new Error(
      `${where}: ${state.active_requests} slots / ${state.leases} leases still held after every release`,
    );
  }
  if (spec.binds !== null) {
    const limit = bindingLimit(spec);
    const reached = violations[spec.binds];
    // Requests fill a window exactly; tokens stop short by less than one estimate (≤ 2000).
    const full = spec.binds.includes("tokens") ? reached > limit - 2000 : reached >= limit;
    if (!full || run.refused === 0) {
      throw new Error(
        `${where}: the limit (${limit}) was never reached (fullest window ${reached}, ${run.refused} refusals): nothing was tested`,
      );
    }
  }
  return { phase: spec.name, limits: spec.limits, run, violations };
}

function bindingLimit(spec: PhaseSpec): number {
  const key = {
    max_requests_minute: "requests_per_minute",
    max_requests_hour: "requests_per_hour",
    max_tokens_minute: "tokens_per_minute",
    max_tokens_hour: "tokens_per_hour",
    max_in_flight: "concurrent_requests",
  }[spec.binds!] as keyof Limits;
  return spec.limits[key]!;
}
