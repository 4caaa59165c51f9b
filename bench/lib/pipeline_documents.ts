// One batch of the pipeline benchmark, as the app does it: a user uploads N copies of the
// 20-page record, the intake function queues them (all at once), private.dispatch_workers()
// starts job-worker invocations now instead of at the next minute's pg_cron tick, and the
// batch ends when every document is completed. Then it checks that the work was done exactly
// once (rows per document, one recorded line per step, no failed step, every provider answer
// used once) and removes the account with everything it owns.

import type postgres from "postgres";
import type { SupabaseClient } from "@supabase/supabase-js";
import {
  type Account,
  createAccount,
  type Document,
  type Endpoints,
  invocationsSoFar,
  kickDispatcher,
  removeAccounts,
  requestIntake,
  uploadDocument,
} from "../../scripts/lib/documents.ts";
import type { StackConfig } from "../../stack/config.ts";
import { statementLogging, WORKER_DB_USERS } from "./pipeline_census.ts";
import { ACCOUNT_LABEL } from "./pipeline_setup.ts";
import { cpuDelta, cpuSample } from "./pipeline_cpu.ts";
import {
  logMark,
  parseStandInLog,
  parseStatementLog,
  parseWorkerLog,
  PROVIDER_NOTE,
  type ProviderCall,
  readSince,
  STEP_KINDS,
  type StepLine,
  type Transaction,
} from "./pipeline_logs.ts";

/** samples/long-record-20p.pdf, and what the stand-ins make of it (samples/README.md). */
export const LONG_RECORD = {
  file: "long-record-20p.pdf",
  pages: 20,
  items: 120,
  title: "Continuity of Care Report",
  /** inspect, text + pass 1 + pass 2 per page, narrative, finish. */
  steps: 1 + 3 * 20 + 1 + 1,
  /** Pass 1 and pass 2 per page and the narrative; a text layer needs no OCR. */
  providerCalls: 2 * 20 + 1,
} as const;

export interface PipelineContext {
  config: StackConfig;
  endpoints: Endpoints;
  /** As postgres. */
  sql: postgres.Sql;
  /** Service role, for removing the uploads. */
  service: SupabaseClient;
  document: Document;
}

export interface JobTimes {
  job_id: string;
  /** Intake's transaction (the job is queued) to the claim. */
  queuedToClaimedMs: number;
  /** The claim to finish_shell_file_job. */
  claimedToCompletedMs: number;
}

export interface Batch {
  documents: number;
  /** From just before the first intake request to the last document's completion. */
  wallMs: number;
  /** The intake requests (all at once), until the last answered. */
  intakeMs: number;
  /** Invocations private.dispatch_workers() sent. */
  dispatched: number;
  /** job-worker invocations during the batch (/_stack/health). */
  invocations: number;
  jobs: JobTimes[];
  steps: StepLine[];
  providerCalls: ProviderCall[];
  /** The worker's database round trips, from dispatch to its last invocation's end (census batches only). */
  transactions: Transaction[] | null;
  /** CPU milliseconds per part of the stack (pipeline_cpu.ts) from the intake to the last invocation's end. */
  cpuMs: Record<string, number>;
  /** The whole machine's busy share of its cores meanwhile (other work on it included). */
  machineBusy: number;
}

function logPath(config: StackConfig, name: string): string {
  return `${config.logDir}/${name}.log`;
}

/** Runs `documents` copies of the record through the pipeline at once; throws when the work was not done exactly once. */
export async function processBatch(
  ctx: PipelineContext,
  documents: number,
  options: { census: boolean; timeoutMs: number },
): Promise<Batch> {
  const account = await createAccount(ctx.sql, ctx.endpoints, ACCOUNT_LABEL);
  let logging: { restore: () => Promise<void> } | null = null;
  try {
    const bodies = await Promise.all(
      Array.from(
        { length: documents },
        (_, i) => uploadDocument(account, { ...ctx.document, name: `record-${i + 1}.pdf` }),
      ),
    );
    if (options.census) logging = await statementLogging(ctx.config);
    const gateway = logPath(ctx.config, "gateway");
    const openai = logPath(ctx.config, "openai-standin");
    const postgresLog = logPath(ctx.config, "postgres");
    const marks = { gateway: await logMark(gateway), openai: await logMark(openai) };
    const invocationsBefore = await invocationsSoFar(ctx.endpoints, "job-worker");

    const cpuBefore = cpuSample(ctx.config);
    const startedAt = Date.now();
    const submissions = await Promise.all(
      bodies.map((body) => requestIntake(ctx.endpoints, account, body)),
    );
    const intakeMs = Date.now() - startedAt;
    const ids = submissions.map((s, i) => {
      if (s.status !== 201 || !s.body.shell_file_id) {
        throw new Error(
          `intake of document ${i + 1} answered ${s.status} ${JSON.stringify(s.body)}`,
        );
      }
      return s.body.shell_file_id;
    });
    // Intake's own round trips are not the worker's: the census starts at the dispatch.
    const postgresMark = options.census ? await logMark(postgresLog) : 0;
    const dispatched = await kickDispatcher(ctx.sql);

    await waitForCompletion(ctx.sql, ids, options.timeoutMs);
    const worker = await waitForWorkerLog(ctx, gateway, marks.gateway, invocationsBefore);
    const cpu = cpuDelta(cpuBefore, cpuSample(ctx.config));
    const invocations = (await invocationsSoFar(ctx.endpoints, "job-worker")) - invocationsBefore;
    const transactions = options.census
      ? parseStatementLog(await readSince(postgresLog, postgresMark), WORKER_DB_USERS)
      : null;
    await logging?.restore();
    const providerCalls = parseStandInLog(await readSince(openai, marks.openai));

    const jobs = await jobTimes(ctx.sql, ids);
    const steps = worker.steps.filter((s) => jobs.some((j) => j.job_id === s.job_id));
    await verify(ctx.sql, ids, jobs.map((j) => j.job_id), steps, worker.failures, providerCalls);
    const [last] = await ctx.sql<{ at: number }[]>`
      select extract(epoch from max(processing_completed_at)) * 1000 as at
        from public.shell_files where id = any(${ids}::uuid[])`;
    return {
      documents,
      wallMs: Number(last.at) - startedAt,
      intakeMs,
      dispatched,
      invocations,
      jobs,
      steps,
      providerCalls,
      transactions,
      cpuMs: cpu.perPart,
      machineBusy: cpu.machineBusy,
    };
  } finally {
    await logging?.restore();
    await removeAccounts(ctx.sql, ctx.service, [account] as Account[]);
  }
}

/** Polls shell_files (as postgres: the census counts only the worker's connections). */
async function waitForCompletion(
  sql: postgres.Sql,
  ids: string[],
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const rows = await sql<{ status: string; error: unknown }[]>`
      select status, processing_error as error from public.shell_files where id = any(${ids}::uuid[])`;
    const failed = rows.filter((r) => r.status === "failed" || r.status === "cancelled");
    if (failed.length > 0) {
      throw new Error(`${failed.length} document(s) failed: ${JSON.stringify(failed[0].error)}`);
    }
    if (rows.length === ids.length && rows.every((r) => r.status === "completed")) return;
    if (Date.now() > deadline) {
      const states = rows.map((r) => r.status).join(", ");
      throw new Error(`documents not completed within ${timeoutMs / 1000} s (${states})`);
    }
    // Completion times come from the database, so polling slowly only saves CPU.
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * The worker's lines for the batch, once every invocation started since `invocationsBefore`
 * has logged its end (the last claim, which finds nothing, comes after the last step).
 */
async function waitForWorkerLog(
  ctx: PipelineContext,
  path: string,
  mark: number,
  invocationsBefore: number,
) {
  const deadline = Date.now() + 15_000;
  while (true) {
    const started = (await invocationsSoFar(ctx.endpoints, "job-worker")) - invocationsBefore;
    const log = parseWorkerLog(await readSince(path, mark));
    if (log.invocations.length >= started) return log;
    if (Date.now() > deadline) {
      throw new Error(
        `job-worker: ${started} invocation(s) started, ${log.invocations.length} logged their end`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function jobTimes(sql: postgres.Sql, ids: string[]) {
  const rows = await sql<
    { job_id: string; queued: number; claimed: number | null; completed: number | null }[]
  >`
    select q.id::text as job_id,
           extract(epoch from q.created_at) * 1000 as queued,
           extract(epoch from q.started_at) * 1000 as claimed,
           extract(epoch from q.completed_at) * 1000 as completed
      from public.shell_files f join public.job_queue q on q.id = f.processing_job_id
     where f.id = any(${ids}::uuid[])`;
  if (rows.length !== ids.length) {
    throw new Error(`${ids.length} documents but ${rows.length} jobs`);
  }
  return rows.map((r) => ({
    job_id: r.job_id,
    queuedToClaimedMs: Number(r.claimed) - Number(r.queued),
    claimedToCompletedMs: Number(r.completed) - Number(r.claimed),
  }));
}

/** The harness's own correctness: each document fully processed, each step done once. */
async function verify(
  sql: postgres.Sql,
  ids: string[],
  jobIds: string[],
  steps: StepLine[],
  failures: Record<string, unknown>[],
  providerCalls: ProviderCall[],
): Promise<void> {
  const problems: string[] = [];
  const rows = await sql<
    {
      id: string;
      pages: number;
      entities: number;
      items: number;
      title: string | null;
      job_status: string;
      retries: number;
    }[]
  >`
    select f.id::text,
           (select count(*) from public.shell_file_pages p where p.shell_file_id = f.id)::int as pages,
           (select count(*) from public.page_entity_detections e where e.shell_file_id = f.id)::int as entities,
           (select count(*) from public.clinical_extractions c where c.shell_file_id = f.id)::int as items,
           (select n.title from public.clinical_narratives n where n.shell_file_id = f.id) as title,
           q.status as job_status, q.retry_count as retries
      from public.shell_files f join public.job_queue q on q.id = f.processing_job_id
     where f.id = any(${ids}::uuid[])`;
  for (const r of rows) {
    if (
      r.pages !== LONG_RECORD.pages || r.entities !== LONG_RECORD.pages ||
      r.items !== LONG_RECORD.items || r.title !== LONG_RECORD.title
    ) {
      problems.push(
        `document ${r.id}: ${r.pages} pages, ${r.entities} entity rows, ${r.items} items, title ${r.title}`,
      );
    }
    if (r.job_status !== "completed" || r.retries !== 0) {
      problems.push(`job of ${r.id}: ${r.job_status}, ${r.retries} retries`);
    }
  }
  for (const job of jobIds) {
    const mine = steps.filter((s) => s.job_id === job);
    const keys = new Set(mine.map((s) => `${s.step}:${s.page ?? ""}`));
    if (
      mine.length !== LONG_RECORD.steps || keys.size !== LONG_RECORD.steps ||
      mine.some((s) => !s.recorded)
    ) {
      problems.push(
        `job ${job}: ${mine.length} step lines, ${keys.size} distinct, expected ${LONG_RECORD.steps} recorded once each`,
      );
    }
    if (!mine.every((s) => STEP_KINDS.includes(s.step))) {
      problems.push(`job ${job}: an unknown step kind`);
    }
  }
  const ours = failures.filter((f) => jobIds.includes(String(f.job_id)));
  if (ours.length > 0) {
    problems.push(`${ours.length} failed step(s), e.g. ${JSON.stringify(ours[0])}`);
  }
  const expectedCalls = LONG_RECORD.providerCalls * ids.length;
  const answered = providerCalls.filter((c) =>
    c.status === 200 && Object.values(PROVIDER_NOTE).includes(c.note)
  );
  if (providerCalls.length !== expectedCalls || answered.length !== expectedCalls) {
    problems.push(
      `${providerCalls.length} provider requests (${answered.length} answered), expected ${expectedCalls}`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`the batch was not processed exactly once:\n  ${problems.join("\n  ")}`);
  }
}
