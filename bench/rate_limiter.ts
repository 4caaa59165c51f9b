// Benchmark 3, "rate limiter": acquire/release pairs per second with 1, 16 and 64 concurrent
// callers on ONE provider row (public.acquire_api_capacity / public.release_api_capacity),
// and the number of over-admissions (must be 0), counted from the lease rows the database
// recorded, against every limit: concurrency at each moment, requests and tokens per minute
// and per hour window.
//
//   node_modules/.bin/deno run -A --config deno.json bench/rate_limiter.ts [--quick] [--runs N]
//
// --quick: 1 and 16 callers, a few seconds each, one run (CI: proves the harness works).
// Exits non-zero (after writing the result) if any over-admission was found, and at once if
// the harness is broken (see lib/ratelimit_phases.ts).

import postgres from "postgres";
import { benchArgs } from "./lib/args.ts";
import { benchStack } from "./lib/stack.ts";
import { machine } from "./lib/machine.ts";
import { medianOfRuns } from "./lib/stats.ts";
import { writeResult } from "./lib/results.ts";
import { pinnedVersion } from "./lib/import_map_versions.ts";
import { openCallers } from "./lib/ratelimit_callers.ts";
import { installRecorder, removeAll } from "./lib/ratelimit_fixture.ts";
import {
  phaseApplies,
  type PhaseResult,
  runPhase,
  THROUGHPUT,
  WINDOW_PHASES,
} from "./lib/ratelimit_phases.ts";

const args = benchArgs();
const callerCounts = args.quick ? [1, 16] : [1, 16, 64];
const settings = {
  runs: args.runs,
  callers: callerCounts,
  throughput_seconds: args.quick ? 3 : 10,
  window_phase_max_seconds: args.quick ? 5 : 10,
  estimated_tokens: "throughput: 1000; window phases: 1..2000, released unreconciled",
  connections: "one postgres.js connection (max 1) per caller, as postgres, direct SQL",
  hold: "none: each granted lease is released at once",
};

const started = performance.now();
const stack = await benchStack();
const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
const pool = await openCallers(stack.dbUrl, Math.max(...callerCounts));

const phases: Array<PhaseResult & { callers: number; run_index: number }> = [];
const throughput: Record<number, Awaited<ReturnType<typeof measure>>> = {};

function measure(callers: number) {
  return medianOfRuns(args.runs, async (runIndex) => {
    const tag = `r${runIndex}`;
    const t = await runPhase(admin, pool, THROUGHPUT, {
      callers,
      durationMs: settings.throughput_seconds * 1000,
      tag,
    });
    phases.push({ ...t, callers, run_index: runIndex });
    for (const spec of WINDOW_PHASES.filter((p) => phaseApplies(p, callers))) {
      const w = await runPhase(admin, pool, spec, {
        callers,
        durationMs: settings.window_phase_max_seconds * 1000,
        tag,
      });
      phases.push({ ...w, callers, run_index: runIndex });
    }
    const r = t.run;
    console.log(
      `  ${callers} callers, run ${runIndex + 1}: ${
        r.pairs_per_second.toFixed(0)
      } pairs/s, ${r.refused} refused, ` +
        `max in flight ${t.violations.max_in_flight}`,
    );
    return {
      pairs_per_second: r.pairs_per_second,
      attempts_per_second: r.attempts_per_second,
      acquire_p50_ms: r.acquire_p50_ms,
      acquire_p95_ms: r.acquire_p95_ms,
      pair_p50_ms: r.pair_p50_ms,
      pair_p95_ms: r.pair_p95_ms,
      max_in_flight: t.violations.max_in_flight,
    };
  });
}

try {
  await installRecorder(admin);
  for (const callers of callerCounts) throughput[callers] = await measure(callers);
} finally {
  await removeAll(admin).catch((e) => console.error(`cleanup failed: ${e}`));
  await pool.end();
  await admin.end();
}

// ---------------------------------------------------------------------------- results
const overByCallers = (callers: number) =>
  phases.filter((p) => p.callers === callers).reduce((sum, p) => sum + p.violations.total, 0);
const checkedAdmissions = (callers: number) =>
  phases.filter((p) => p.callers === callers).reduce((sum, p) => sum + p.violations.acquires, 0);
const refusals = (callers: number) =>
  phases.filter((p) => p.callers === callers).reduce((sum, p) => sum + p.run.refused, 0);
const overAdmissions = phases.reduce((sum, p) => sum + p.violations.total, 0);
const ms = (a: number, b: number) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
const table = {
  columns: [
    "callers",
    "acquire + release pairs/s",
    "acquire p50 / p95 ms",
    "pair p50 / p95 ms",
    "admissions checked",
    "refusals checked",
    "over-admissions",
  ],
  rows: callerCounts.map((c) => {
    const m = throughput[c].median;
    return [
      c,
      Math.round(m.pairs_per_second),
      ms(m.acquire_p50_ms, m.acquire_p95_ms),
      ms(m.pair_p50_ms, m.pair_p95_ms),
      checkedAdmissions(c),
      refusals(c),
      overByCallers(c),
    ];
  }),
};
const seconds = (performance.now() - started) / 1000;
await writeResult({
  name: "rate_limiter",
  quick: args.quick,
  machine: await machine(stack.postgresVersion),
  versions: {
    PostgreSQL: stack.postgresVersion,
    "postgres (npm)": await pinnedVersion("postgres"),
    deno: Deno.version.deno,
  },
  settings,
  data: {
    // The limits of each phase (the table's notes say them in words).
    throughput_limits: THROUGHPUT.limits,
    limit_phases: WINDOW_PHASES.map((p) => ({
      phase: p.name,
      limits: p.limits,
      stop_after_refusals: p.stopAfterRefusals,
    })),
    throughput,
    phases: phases.map((p) => ({
      ...p.run,
      run: p.run_index,
      phase: p.phase,
      limits: p.limits,
      violations: p.violations,
    })),
    over_admissions: overAdmissions,
    seconds,
  },
  table,
  notes: [
    `Pairs/s: ${settings.throughput_seconds} s of callers looping acquire → release (no hold) on one row whose limits are all out of reach (concurrent_requests = 64), each caller on its own connection; median of ${args.runs} run(s).`,
    `Over-admissions are counted from every lease the database wrote and deleted (a bench-only trigger records them inside acquire's and release's transactions, in the order the row lock serialized them), over the throughput phase and five limit phases per caller count, each on a fresh row, in which requests/min = 500, tokens/min = 200k, requests/hour = 400, tokens/hour = 150k (estimates 1..2000) and concurrent_requests = 4 (with more than 4 callers) are each reached, then refused: an acquisition that put more leases in flight than concurrent_requests, requests or tokens above a limit in the window a lease was counted in, or a lease recorded in a window that is not its own.`,
    "The recorder adds one insert per acquire and per release, so pairs/s slightly understate the limiter alone.",
  ],
});
console.log(`total ${seconds.toFixed(0)} s`);
if (overAdmissions > 0) {
  console.error(`${overAdmissions} over-admissions: the limiter let more through than its limits`);
  Deno.exit(1);
}
