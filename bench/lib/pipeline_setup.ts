// The pipeline benchmark's stack instance: one whose job-worker accepts the dispatcher's key
// (pipelineStack), and what the benchmark changes on it for its duration and puts back
// (pipelineSetup):
//   - the provider stand-ins answer at once (latencyMs 0), so a step's time is the
//     orchestration's, not a model's;
//   - the rate limits' minute and hour windows are lifted (concurrency limits stay, and every
//     call still acquires and releases capacity): 10 documents make 410 AI calls of ~1,150
//     estimated tokens in seconds, past gpt-4o-mini's 200,000 tokens a minute, and a job
//     rescheduled for capacity measures the limiter, not the pipeline.
// Setup removes the accounts an interrupted earlier run left behind, and refuses to start
// when other shell_file_processing jobs are queued or running: their steps would be counted as
// the benchmark's.

import type postgres from "postgres";
import type { StackConfig } from "../../stack/config.ts";
import { type StandInName, standIns } from "../../scripts/lib/control.ts";
import type { SupabaseClient } from "@supabase/supabase-js";
import { removeAccounts } from "../../scripts/lib/documents.ts";
import { stackCommand } from "../../scripts/lib/instance.ts";
import { logMark, parseWorkerLog, readSince } from "./pipeline_logs.ts";
import { benchEnv, type BenchStack, benchStack } from "./stack.ts";

/**
 * The bench instance, with a job-worker that accepts the service key the dispatcher sends
 * from Vault. When the running functions hold another key (a `stack start` on a running
 * instance that minted new keys into Vault and the env file, as the stack did before it kept
 * them), every dispatched invocation is refused with 403 until a restart; this restarts then.
 */
export async function pipelineStack(): Promise<BenchStack> {
  const stack = await benchStack();
  if (await workerAcceptsServiceKey(stack)) return stack;
  console.log(
    `restarting stack instance ${stack.config.instance}: its job-worker refuses the current service key`,
  );
  await stackCommand("stop", benchEnv());
  const restarted = await benchStack();
  if (!(await workerAcceptsServiceKey(restarted))) {
    throw new Error("the job-worker refuses the service key even after a restart");
  }
  return restarted;
}

/** One job-worker invocation with the service key (it finds nothing to claim), waited for to its end. */
async function workerAcceptsServiceKey(stack: BenchStack): Promise<boolean> {
  const log = `${stack.config.logDir}/gateway.log`;
  const mark = await logMark(log);
  const res = await fetch(`${stack.url}/functions/v1/job-worker`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${stack.serviceRoleKey}`,
      "content-type": "application/json",
    },
    body: JSON.stringify({ source: "bench-probe" }),
  });
  await res.body?.cancel();
  if (res.status === 403) return false;
  if (res.status !== 202) throw new Error(`job-worker probe answered ${res.status}`);
  // A cold worker compiles its code first, which takes seconds on a busy machine.
  const deadline = Date.now() + 60_000;
  while (parseWorkerLog(await readSince(log, mark)).invocations.length === 0) {
    if (Date.now() > deadline) throw new Error("the job-worker probe did not end within 60 s");
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

const STAND_INS: readonly StandInName[] = ["openai", "vision"];

interface LimitRow {
  id: string;
  requests_per_minute: number | null;
  requests_per_hour: number | null;
  tokens_per_minute: number | null;
  tokens_per_hour: number | null;
}

async function knobs(config: StackConfig, name: StandInName): Promise<{ latencyMs: number }> {
  const port = name === "openai" ? config.ports.openaiStandin : config.ports.visionStandin;
  const res = await fetch(`http://127.0.0.1:${port}/_control/knobs`);
  if (!res.ok) throw new Error(`${name} stand-in knobs: ${res.status}`);
  return await res.json();
}

/** The label of the benchmark's accounts (their e-mail starts with it). */
export const ACCOUNT_LABEL = "bench-pipeline";

export async function pipelineSetup(
  config: StackConfig,
  sql: postgres.Sql,
  service: SupabaseClient,
): Promise<{ restore: () => Promise<void> }> {
  // An interrupted earlier run may have left its account (and documents) behind.
  const leftovers = await sql<{ userId: string; profileId: string }[]>`
    select u.id::text as "userId", p.id::text as "profileId"
      from auth.users u join public.user_profiles p on p.account_owner_id = u.id
     where u.email like ${ACCOUNT_LABEL + "-%"}`;
  await removeAccounts(sql, service, leftovers);
  const [busy] = await sql<{ n: number }[]>`
    select count(*)::int as n from public.job_queue
     where job_type = 'shell_file_processing' and status in ('pending', 'processing')`;
  if (busy.n > 0) {
    throw new Error(
      `${busy.n} shell_file_processing job(s) are pending or processing on this instance; let them finish first`,
    );
  }
  const control = standIns(config.ports);
  const latency = new Map<StandInName, number>();
  for (const name of STAND_INS) latency.set(name, (await knobs(config, name)).latencyMs);
  const limits = await sql<LimitRow[]>`
    select id::text, requests_per_minute, requests_per_hour, tokens_per_minute, tokens_per_hour
      from public.api_rate_limits`;

  for (const name of STAND_INS) await control.setKnobs(name, { latencyMs: 0 });
  await sql`update public.api_rate_limits
               set requests_per_minute = null, requests_per_hour = null,
                   tokens_per_minute = null, tokens_per_hour = null`;
  return {
    async restore() {
      for (const row of limits) {
        await sql`update public.api_rate_limits
                     set requests_per_minute = ${row.requests_per_minute}, requests_per_hour = ${row.requests_per_hour},
                         tokens_per_minute = ${row.tokens_per_minute}, tokens_per_hour = ${row.tokens_per_hour}
                   where id = ${row.id}`;
      }
      for (const name of STAND_INS) await control.setKnobs(name, { latencyMs: latency.get(name)! });
    },
  };
}
