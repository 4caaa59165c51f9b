// Benchmark 2, "cost as history grows": claim and sweep latency (p50/p95) with 10k, 100k
// and 1M completed jobs in public.job_queue (steady, and right after a burst of new jobs),
// and with 1M pending ones (a due backlog, jobs deferred to later, and both at once), plus
// EXPLAIN (ANALYZE, BUFFERS) of the claim and sweeper statements. Every scenario is measured
// without what migration 20261122001000_queue_history adds ("before") and with it.
//
//   node_modules/.bin/deno run -A --config deno.json bench/history.ts [--quick] [--runs N]
//
// --quick: 10k and 50k completed (pending scenarios at 10k), one run: CI proves the harness.
// Each scenario is loaded and VACUUM ANALYZEd, as autovacuum would have by then, measured
// `runs` times per variant (median of the runs' p50/p95), and removed before the next one.
// Results: bench/results/history.{json,md}, plans in bench/results/history_plans.txt
// (.quick.* for --quick).

import postgres from "postgres";
import { benchArgs } from "./lib/args.ts";
import { benchStack } from "./lib/stack.ts";
import { machine } from "./lib/machine.ts";
import { medianOfRuns } from "./lib/stats.ts";
import { RESULTS_DIR, writeResult } from "./lib/results.ts";
import { pinnedVersion } from "./lib/import_map_versions.ts";
import {
  addDueJobs,
  BENCH_JOB_TYPE,
  type HistoryKind,
  loadHistory,
  registerLane,
  removeBenchRows,
  vacuumAnalyze,
} from "./lib/history_fixture.ts";
import { measureClaims, measureSweeps } from "./lib/history_measure.ts";
import { explainClaimAndSweep, planBuffers } from "./lib/history_plans.ts";
import { type AnalyzeDecision, autovacuumAnalyze } from "./lib/history_autovacuum.ts";
import {
  HISTORY_MIGRATION,
  migrationAdds,
  reapplyMigration,
  requireMigrated,
  undoMigration,
} from "./lib/history_migration.ts";

type Variant = "before" | "migrated";
// steady: the history and a few due jobs; burst_stale: a burst of new due jobs before
// autovacuum's next round (every autovacuum_naptime, 60 s) could analyze it, on the old
// statistics whatever the settings (measured at the largest size only); burst: the same
// burst as it stands after that round.
type Stage = "steady" | "burst_stale" | "burst";

const LABEL: Record<HistoryKind, string> = {
  completed: "completed",
  pending_due: "pending, all due (backlog)",
  pending_deferred: "pending, due later (+ the claimed due jobs)",
  pending_mixed: "pending, older half due later, newer half due",
};

const args = benchArgs();
const sizes = args.quick ? [10_000, 50_000] : [10_000, 100_000, 1_000_000];
const largest = sizes[sizes.length - 1];
// --quick keeps the pending scenarios at 10k: loading is most of its time, and 10k deferred
// jobs already show the effect the full run measures at 1M.
const pendingRows = args.quick ? sizes[0] : largest;
const scenarios: Array<{ kind: HistoryKind; rows: number }> = [
  ...sizes.map((rows) => ({ kind: "completed" as const, rows })),
  { kind: "pending_due", rows: pendingRows },
  { kind: "pending_deferred", rows: pendingRows },
  { kind: "pending_mixed", rows: pendingRows },
];
const settings = {
  runs: args.runs,
  completed_sizes: sizes,
  pending_size: pendingRows,
  // A burst: this many new due jobs land at once on top of the completed history.
  // (--quick: below the 5,050 changes at which default autovacuum analyzes 50k rows.)
  burst_jobs: args.quick ? 4_000 : 50_000,
  // --quick only proves the harness: fewer samples, so it stays under a minute.
  claims_per_run: args.quick ? 50 : 200,
  warmup_claims: args.quick ? 5 : 20,
  claim_time_budget_s: args.quick ? 1 : 5,
  min_claims_per_run: 10,
  idle_sweeps_per_run: args.quick ? 10 : 100,
  expired_sweeps_per_run: args.quick ? 5 : 30,
  expired_leases_per_sweep: 10,
  claim_filter: "job_types => ['bench_history'] (as the job-worker passes its type)",
  fill: "INSERT ... SELECT generate_series as postgres (RPCs bypassed), then VACUUM ANALYZE",
};

const started = performance.now();
const stack = await benchStack();
const sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
// PREPARE and BEGIN/ROLLBACK of the EXPLAIN live on their own single connection.
const explainSql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });

const adds = await migrationAdds();
const variants: Variant[] = adds ? ["before", "migrated"] : ["migrated"];

type Measured = Awaited<ReturnType<typeof measure>>;
interface Row {
  scenario: string;
  kind: HistoryKind;
  stage: Stage;
  rows: number;
  load_seconds: number;
  before: Measured | null;
  migrated: Measured | null;
  claim_buffers: Partial<Record<Variant, number>>;
  analyze: Partial<Record<Variant, AnalyzeDecision>>;
}
const results: Row[] = [];
const plans: Array<{ scenario: string; variant: Variant; claim: string; sweep: string }> = [];
let statements: { claim: string; sweep: string } | null = null;

function measure(tag: string) {
  return medianOfRuns(args.runs, async (run) => {
    const runTag = `${tag}-r${run}`;
    const claims = await measureClaims(sql, {
      samples: settings.claims_per_run,
      warmup: settings.warmup_claims,
      warmupBudgetMs: 2_000,
      budgetMs: settings.claim_time_budget_s * 1000,
      minSamples: settings.min_claims_per_run,
      tag: runTag,
    });
    const sweeps = await measureSweeps(sql, {
      idleSamples: settings.idle_sweeps_per_run,
      expiredSamples: settings.expired_sweeps_per_run,
      expiredPerSweep: settings.expired_leases_per_sweep,
      tag: runTag,
    });
    console.log(
      `  ${runTag}: claim p50 ${claims.claim_p50_ms.toFixed(2)} ms, p95 ${
        claims.claim_p95_ms.toFixed(2)
      } ms` +
        ` (${claims.samples} timed)`,
    );
    return { ...claims, ...sweeps };
  });
}

try {
  if (adds) await requireMigrated(sql, adds);
  await removeBenchRows(sql, { dropLane: false }); // what a crashed run may have left
  await registerLane(sql);
  for (const [index, s] of scenarios.entries()) {
    const name = `${s.rows.toLocaleString("en-US")} ${LABEL[s.kind]}`;
    const t0 = performance.now();
    await loadHistory(sql, s.kind, s.rows);
    const loadSeconds = (performance.now() - t0) / 1000;
    console.log(`${name}: loaded in ${loadSeconds.toFixed(1)} s`);
    const stages: Stage[] = s.kind !== "completed"
      ? ["steady"]
      : s.rows === largest
      ? ["steady", "burst_stale", "burst"]
      : ["steady", "burst"];
    const burstName = `${name} + ${settings.burst_jobs.toLocaleString("en-US")} new due (burst)`;
    const rows = stages.map((stage): Row => ({
      scenario: stage === "steady"
        ? name
        : stage === "burst_stale"
        ? `${burstName}, before autovacuum's next round`
        : `${burstName}${s.rows === largest ? ", after it" : ""}`,
      kind: s.kind,
      stage,
      rows: s.rows,
      load_seconds: loadSeconds,
      before: null,
      migrated: null,
      claim_buffers: {},
      analyze: {},
    }));
    for (const variant of variants) {
      // The schema of this variant, then what autovacuum would have done since loading.
      if (variant === "before") await undoMigration(sql, adds!);
      else if (adds) await reapplyMigration(sql);
      await vacuumAnalyze(sql);
      let burstAdded = false;
      for (const row of rows) {
        const tag = `s${index}-${row.stage.replace("_", "-")}-${variant}`;
        if (row.stage !== "steady" && !burstAdded) {
          await addDueJobs(sql, settings.burst_jobs, `burst-${variant}`);
          burstAdded = true;
        }
        if (row.stage === "burst") {
          row.analyze[variant] = await autovacuumAnalyze(sql, settings.burst_jobs);
          console.log(`  burst (${variant}): ${JSON.stringify(row.analyze[variant])}`);
        }
        // The plan first, on the state as set up (the measured claims leave dead index entries
        // behind until the next vacuum), then the latencies.
        const explained = await explainClaimAndSweep(explainSql, {
          expired: settings.expired_leases_per_sweep,
        });
        row[variant] = await measure(tag);
        plans.push({
          scenario: row.scenario,
          variant,
          claim: explained.claim,
          sweep: explained.sweep,
        });
        statements = { claim: explained.claim_statement, sweep: explained.sweep_statement };
        row.claim_buffers[variant] = planBuffers(explained.claim);
        if (row.stage === "burst") {
          await sql`delete from public.job_queue where job_type = ${BENCH_JOB_TYPE} and status = 'pending'`;
        }
      }
    }
    results.push(...rows);
    await removeBenchRows(sql, { dropLane: false });
  }
} finally {
  await removeBenchRows(sql, { dropLane: true }).catch((e) =>
    console.error(`cleanup failed: ${e}`)
  );
  if (adds) {
    await reapplyMigration(sql).catch((e) =>
      console.error(`re-applying ${HISTORY_MIGRATION} failed: ${e}`)
    );
  }
  await sql.end();
  await explainSql.end();
}

// ---------------------------------------------------------------------------- results
const ms = (a: number, b: number) => `${a.toFixed(2)} / ${b.toFixed(2)}`;
const find = (stage: Stage, rows: number) =>
  results.find((r) => r.kind === "completed" && r.stage === stage && r.rows === rows)!;
const ratio = (stage: Stage, variant: Variant) => {
  const big = find(stage, largest)[variant]?.median.claim_p95_ms ?? NaN;
  const small = find(stage, sizes[0])[variant]?.median.claim_p95_ms ?? NaN;
  return big / small;
};
const hasBefore = variants.includes("before");
const table = {
  columns: [
    "rows in job_queue",
    "claim p50 / p95 ms",
    "claim buffers (EXPLAIN)",
    ...(hasBefore ? [`before …${HISTORY_MIGRATION.slice(10)}: claim p50 / p95 ms (buffers)`] : []),
    "sweep, none expired p50 / p95 ms",
    "sweep, 10 expired p50 / p95 ms",
  ],
  rows: results.map((r) => {
    const m = r.migrated!.median;
    const b = r.before?.median;
    return [
      r.scenario,
      ms(m.claim_p50_ms, m.claim_p95_ms),
      r.claim_buffers.migrated ?? "–",
      ...(hasBefore
        ? [b ? `${ms(b.claim_p50_ms, b.claim_p95_ms)} (${r.claim_buffers.before})` : "–"]
        : []),
      ms(m.sweep_idle_p50_ms, m.sweep_idle_p95_ms),
      ms(m.sweep_expired_p50_ms, m.sweep_expired_p95_ms),
    ];
  }),
};
const ratios = {
  steady: ratio("steady", "migrated"),
  burst: ratio("burst", "migrated"),
  ...(hasBefore
    ? { steady_before: ratio("steady", "before"), burst_before: ratio("burst", "before") }
    : {}),
};

const plansText = [
  "# EXPLAIN (ANALYZE, BUFFERS) of the statements claim_next_job_v3 and reclaim_expired_jobs run",
  "# (read from pg_proc.prosrc, prepared, 6th execution explained, rolled back); bench/history.ts",
  `# "before" = without what ${HISTORY_MIGRATION} adds; "migrated" = all migrations.`,
  "",
  "## claim statement",
  statements?.claim ?? "",
  "",
  "## sweep statement",
  statements?.sweep ?? "",
  ...plans.flatMap((p) => [
    "",
    `## ${p.scenario} (${p.variant}): claim`,
    p.claim,
    "",
    `## ${p.scenario} (${p.variant}): sweep, 10 expired`,
    p.sweep,
  ]),
].join("\n") + "\n";
await Deno.mkdir(RESULTS_DIR, { recursive: true });
const plansFile = `history_plans${args.quick ? ".quick" : ""}.txt`;
await Deno.writeTextFile(new URL(plansFile, RESULTS_DIR), plansText);

const big = largest.toLocaleString("en-US");
const seconds = (performance.now() - started) / 1000;
await writeResult({
  name: "history",
  quick: args.quick,
  machine: await machine(stack.postgresVersion),
  versions: {
    PostgreSQL: stack.postgresVersion,
    "postgres (npm)": await pinnedVersion("postgres"),
    deno: Deno.version.deno,
  },
  settings: { ...settings, variants },
  data: {
    scenarios: results,
    plans,
    statements,
    claim_p95_ratio_largest_to_10k: ratios,
    migration_adds: adds,
    seconds,
  },
  table,
  notes: [
    `Claim = claim_next_job_v3 (which probes for expired leases and sweeps when there are) then complete_job, one connection as postgres, direct SQL, timed at the client; median of ${args.runs} run(s) of each percentile, at most ${settings.claims_per_run} timed claims per run (at least ${settings.min_claims_per_run} within ${settings.claim_time_budget_s} s when a plan is slow). Buffers: shared buffers the claim statement touched (EXPLAIN of its 6th prepared execution); they do not move with the machine's load.`,
    `Goal, claim p95 at ${big} completed ÷ at 10k: steady ${
      ratios.steady.toFixed(2)
    }×, after a burst ${ratios.burst.toFixed(2)}×` +
    (hasBefore
      ? ` (before: ${ratios.steady_before!.toFixed(2)}× and ${ratios.burst_before!.toFixed(2)}×).`
      : "."),
    `Burst: ${
      settings.burst_jobs.toLocaleString("en-US")
    } due jobs inserted at once, then ANALYZE only if autovacuum's rule (threshold + scale factor × rows) would run it at its next round; with the defaults it does not at ${big} rows, so the claims plan on statistics that say there are no pending jobs. The row "before autovacuum's next round" is the same burst measured before any ANALYZE: the first minute after a burst, in either schema.`,
    ...(hasBefore
      ? [
        `"before": the same rows without ${
          [...adds!.indexes, ...adds!.tableOptions].join(", ")
        } (removed for that measurement, then restored by re-running ${HISTORY_MIGRATION}.sql).`,
      ]
      : []),
    `History filled with set-based INSERT ... SELECT as postgres (RPCs bypassed), then VACUUM ANALYZE; plans in bench/results/${plansFile}.`,
  ],
});
console.log(`total ${seconds.toFixed(0)} s`);
