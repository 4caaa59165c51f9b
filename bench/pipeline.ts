// Benchmark 4, pipeline overhead: the 20-page record (samples/long-record-20p.pdf) end to
// end with the provider stand-ins at zero latency, alone and 10 at once: wall time, job-worker
// invocations, database round trips per step and the orchestration overhead per step
// (p50/p95), against the bare cost of one RPC round trip measured in the same run.
//
//   node_modules/.bin/deno run -A --config deno.json bench/pipeline.ts [--quick] [--runs N]
//
// --quick: 1 run of 1 and 2 documents. Exits non-zero when the harness is broken (a document
// not processed exactly once, a log it cannot read), never because of a number.

import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { benchArgs } from "./lib/args.ts";
import { machine } from "./lib/machine.ts";
import { writeResult } from "./lib/results.ts";
import { medianOfRuns } from "./lib/stats.ts";
import { type Census, census, restoreStatementLogging } from "./lib/pipeline_census.ts";
import { cpuSample } from "./lib/pipeline_cpu.ts";
import { LONG_RECORD, type PipelineContext, processBatch } from "./lib/pipeline_documents.ts";
import { batchMetrics } from "./lib/pipeline_metrics.ts";
import { measureRoundTrips } from "./lib/pipeline_rpc.ts";
import { pipelineSetup, pipelineStack } from "./lib/pipeline_setup.ts";
import {
  OVERHEAD_GOAL_MS,
  pipelineNotes,
  pipelineTable,
  type Scenario,
} from "./lib/pipeline_table.ts";
import { pipelineVersions } from "./lib/pipeline_versions.ts";

const args = benchArgs();
const SCENARIOS: Scenario[] = [
  { key: "single", label: `1 document (${LONG_RECORD.pages} pages)`, documents: 1 },
  {
    key: "batch",
    label: `${args.quick ? 2 : 10} documents at once`,
    documents: args.quick ? 2 : 10,
  },
];
const RPC_SAMPLES = args.quick ? 100 : 300;
const TIMEOUT_MS = 180_000;

async function main(): Promise<void> {
  const began = Date.now();
  const stack = await pipelineStack();
  const sql = postgres(stack.dbUrl, { max: 2, onnotice: () => {} });
  const service = createClient(stack.url, stack.serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
  });
  const ctx: PipelineContext = {
    config: stack.config,
    endpoints: { url: stack.url, anonKey: stack.anonKey, jwtSecret: stack.jwtSecret },
    sql,
    service,
    document: {
      name: LONG_RECORD.file,
      bytes: await Deno.readFile(`${stack.config.root}/samples/${LONG_RECORD.file}`),
      mimeType: "application/pdf",
    },
  };
  try {
    const setup = await pipelineSetup(stack.config, sql, service);
    // Interrupted, the instance gets its settings back (an account left behind is removed by
    // the next run's setup).
    const interrupted = async () => {
      console.error("bench/pipeline: interrupted; putting the instance's settings back");
      await restoreStatementLogging();
      await setup.restore();
      Deno.exit(130);
    };
    Deno.addSignalListener("SIGINT", interrupted);
    Deno.addSignalListener("SIGTERM", interrupted);
    try {
      const auditBefore = await auditRows(sql);
      // The census pass per scenario (statement logging on) is also the warm-up of the timed runs.
      const censuses: Record<string, Census> = {};
      for (const s of SCENARIOS) {
        const batch = await processBatch(ctx, s.documents, { census: true, timeoutMs: TIMEOUT_MS });
        censuses[s.key] = census(batch.transactions!, s.documents === 1);
        console.log(
          `census ${s.label}: ${
            censuses[s.key].perStep.roundTrips.toFixed(2)
          } round trips per step`,
        );
      }
      const { median, runs } = await medianOfRuns(args.runs, async (run) => {
        const out: Record<string, number> = {};
        for (const s of SCENARIOS) {
          const batch = await processBatch(ctx, s.documents, {
            census: false,
            timeoutMs: TIMEOUT_MS,
          });
          for (const [k, v] of Object.entries(batchMetrics(batch))) out[`${s.key}.${k}`] = v;
          console.log(
            `run ${run + 1}/${args.runs} ${s.label}: ${(batch.wallMs / 1000).toFixed(2)} s, ` +
              `overhead p50 ${out[`${s.key}.all.overhead_p50`]} ms`,
          );
        }
        const trips = await measureRoundTrips(
          service,
          sql,
          RPC_SAMPLES,
          () => cpuSample(stack.config),
        );
        out["rpc.p50"] = trips.rpc.p50;
        out["rpc.p95"] = trips.rpc.p95;
        for (const [part, ms] of Object.entries(trips.rpcCpuMs)) out[`rpc.cpu.${part}`] = ms;
        out["sql.p50"] = trips.sql.p50;
        out["sql.p95"] = trips.sql.p95;
        return out;
      });
      // audit_log is append-only: the documents' audit events stay when their account goes.
      const auditLeft = (await auditRows(sql)) - auditBefore;
      const [config] = await sql<{ v: number }[]>`
        select private.config_int('dispatch.max_invocations_per_tick', 8) as v`;
      await writeResult({
        name: "pipeline",
        quick: args.quick,
        machine: await machine(stack.postgresVersion),
        versions: await pipelineVersions(stack),
        settings: {
          runs: args.runs,
          document:
            `samples/${LONG_RECORD.file} (${LONG_RECORD.pages} pages, text layer, ${LONG_RECORD.items} items)`,
          documents: SCENARIOS.map((s) => s.documents),
          provider_latency_ms: 0,
          rate_limit_windows: "lifted for the run (concurrency limits kept)",
          dispatch_max_invocations_per_tick: config.v,
          worker_budget: "defaults (WORKER_BUDGET_MS 100000, WORKER_SAFETY_MARGIN_MS 30000)",
          rpc_samples: RPC_SAMPLES,
          overhead_goal_ms: OVERHEAD_GOAL_MS,
        },
        data: { median, runs, censuses, audit_rows_left: auditLeft },
        table: pipelineTable(SCENARIOS, median, censuses),
        notes: [
          ...pipelineNotes(SCENARIOS, median, censuses),
          `Left behind: ${auditLeft} audit_log rows (append-only); every account, document, job and ` +
          "upload the run made is removed, and the settings it changed are put back.",
        ],
      });
      console.log(`done in ${((Date.now() - began) / 1000).toFixed(1)} s`);
    } finally {
      await setup.restore();
      Deno.removeSignalListener("SIGINT", interrupted);
      Deno.removeSignalListener("SIGTERM", interrupted);
    }
  } finally {
    await sql.end();
  }
}

async function auditRows(sql: postgres.Sql): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from public.audit_log`;
  return row.n;
}

try {
  await main();
} catch (error) {
  console.error(`bench/pipeline: ${error instanceof Error ? error.stack ?? error.message : error}`);
  Deno.exit(1);
}
