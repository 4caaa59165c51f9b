// One invocation of the worker: claim a job, take its steps while the budget leaves room,
// settle the job (finished, released to the next invocation, rescheduled or failed), and
// claim the next one while time remains. The record_* RPC that ends each step is the
// checkpoint, so stopping between any two steps loses nothing. A spent budget chains a new
// job-worker invocation when settings.chain says so (the Edge Function); the long-running
// worker does not chain and stops early through options.stop. A job rescheduled (no
// capacity, a 429) to a time before the last moment a step may start is waited for here
// (deps.sleep) and the loop claims again, so throughput does not wait for the cron tick.

import { fence, recordedResults, type StepContext, type StepResult } from "./context.ts";
import type { WorkerDeps } from "./deps.ts";
import { type DocumentHandle, documentHandle } from "./document.ts";
import { finish } from "./finish.ts";
import { inspect } from "./inspect.ts";
import { JOB_TYPE, jobFromClaim } from "./job.ts";
import { narrative } from "./narrative.ts";
import { type Outcome, outcomeOf } from "./outcomes.ts";
import { pass1 } from "./pass1.ts";
import { pass2 } from "./pass2.ts";
import type { ClaimedRow } from "./rpc.ts";
import { nextStep, type Progress, type Step } from "./steps.ts";
import { pageText } from "./text.ts";

export type JobOutcome =
  /** finish_shell_file_job recorded it. */
  | "finished"
  /** The budget ran out (or options.stop): release_job handed it back for the next invocation. */
  | "released"
  /** A fenced RPC said this worker no longer holds the job; nothing more was written. */
  | "lease_lost"
  /**
   * No capacity or a provider 429: reschedule_job, no retry counted. Due again within the
   * budget, the invocation waits for it and claims again.
   */
  | "rescheduled"
  | "failed_retryable"
  | "failed_permanent";

export interface JobReport {
  job_id: string;
  steps: number;
  outcome: JobOutcome;
}

export interface RunSummary {
  worker_id: string;
  jobs: JobReport[];
  steps: number;
  /**
   * idle: nothing left to claim; budget_spent: stopped for time (and chained if
   * settings.chain); stopped: options.stop was aborted; error: see the log.
   */
  outcome:
    | "idle"
    | "budget_spent"
    | "stopped"
    | "error"
    | Exclude<JobOutcome, "finished" | "released" | "failed_permanent">;
}

export interface InvocationOptions {
  /**
   * Aborted: no further step starts. The step under way ends with its record (a step is
   * the unit of work), the job is handed back (release_job), and nothing is chained.
   */
  stop?: AbortSignal;
}

/**
 * Wake this long after a rescheduled job's scheduled_at (the database's clock) before
 * claiming again, so a worker clock slightly ahead does not find it not yet due.
 */
export const WAKE_SLACK_MS = 1_000;

export async function runInvocation(
  deps: WorkerDeps,
  workerId: string,
  options: InvocationOptions = {},
): Promise<RunSummary> {
  const startedAt = deps.now();
  const { budgetMs, safetyMarginMs } = deps.settings;
  const stopped = () => options.stop?.aborted === true;
  const hasTime = () => !stopped() && budgetMs - (deps.now() - startedAt) >= safetyMarginMs;
  /** The last moment a step may start (hasTime's bound). */
  const lastStart = startedAt + budgetMs - safetyMarginMs;
  const jobs: JobReport[] = [];
  const summary = (outcome: RunSummary["outcome"]): RunSummary => ({
    worker_id: workerId,
    jobs,
    steps: jobs.reduce((sum, job) => sum + job.steps, 0),
    outcome,
  });
  try {
    while (hasTime()) {
      const [row] = await deps.rpc("claim_next_job_v3", {
        worker_id: workerId,
        job_types: [JOB_TYPE],
      });
      if (!row) return summary("idle");
      const { report, dueAt } = await runJob(deps, workerId, row, hasTime);
      jobs.push(report);
      if (report.outcome === "released") break;
      // A finished job, or one whose document cannot be processed, says nothing about the
      // next.
      if (report.outcome === "finished" || report.outcome === "failed_permanent") continue;
      // Rescheduled to a time a step may still start at: wait for it, then claim again (that
      // job or another). Never past lastStart; stop cuts the wait short.
      const wakeAt = dueAt === null ? null : dueAt + WAKE_SLACK_MS;
      if (wakeAt !== null && wakeAt <= lastStart && deps.sleep && !stopped()) {
        const ms = Math.max(0, wakeAt - deps.now());
        deps.log({ event: "waiting", worker_id: workerId, job_id: report.job_id, ms });
        await deps.sleep(ms, options.stop);
        continue;
      }
      // After anything else (lease lost, provider busy or down, a wait that does not fit)
      // this invocation stops; the job is pending and the next tick finds it.
      return summary(report.outcome);
    }
    if (stopped()) return summary("stopped");
    if (deps.settings.chain) await chain(deps, workerId);
    return summary("budget_spent");
  } catch (error) {
    // Settling the job failed (the database is unreachable?): its lease expires and the
    // sweeper hands it back.
    deps.log({ event: "invocation_error", worker_id: workerId, error: messageOf(error) });
    return summary("error");
  }
}

async function runJob(
  deps: WorkerDeps,
  workerId: string,
  row: ClaimedRow,
  hasTime: () => boolean,
): Promise<{ report: JobReport; dueAt: number | null }> {
  const held = { p_job_id: row.job_id, p_worker_id: workerId };
  const report = (steps: number, outcome: JobOutcome, dueAt: number | null = null) => ({
    report: { job_id: row.job_id, steps, outcome },
    dueAt,
  });
  let steps = 0;
  let step: Step | null = null;
  let document: DocumentHandle | null = null;
  try {
    const job = jobFromClaim(row);
    document = documentHandle(deps, job);
    const ctx: StepContext = { deps, workerId, job, document, results: recordedResults() };
    let progress = job.progress;
    while (true) {
      step = nextStep(progress);
      if (!hasTime()) {
        const released = await deps.rpc("release_job", held);
        return report(steps, released ? "released" : "lease_lost");
      }
      const began = deps.now();
      const result = await runStep(ctx, step, progress);
      deps.log({
        event: "step",
        worker_id: workerId,
        job_id: row.job_id,
        step: step.kind,
        ...("page" in step ? { page: step.page } : {}),
        ms: deps.now() - began,
        recorded: result.recorded,
      });
      if (!result.recorded) return report(steps, "lease_lost");
      steps++;
      if (step.kind === "finish") return report(steps, "finished");
      progress = { ...progress, ...result.progress };
    }
  } catch (error) {
    const outcome = outcomeOf(error, step);
    deps.log({
      event: "step_failed",
      worker_id: workerId,
      job_id: row.job_id,
      step: step?.kind ?? "claim",
      ...(step && "page" in step ? { page: step.page } : {}),
      outcome: outcome.kind === "fail" ? outcome.error.code : "reschedule",
      error: messageOf(error),
    });
    const settled = await settle(deps, held, outcome);
    return report(steps, settled.outcome, settled.dueAt);
  } finally {
    await document?.close();
  }
}

function runStep(ctx: StepContext, step: Step, progress: Progress): Promise<StepResult> {
  switch (step.kind) {
    case "inspect":
      return inspect(ctx);
    case "text":
      return pageText(ctx, step.page, progress.ocr_pages ?? []);
    case "pass1":
      return pass1(ctx, step.page);
    case "pass2":
      return pass2(ctx, step.page);
    case "narrative":
      return narrative(ctx);
    case "finish":
      return finish(ctx);
  }
}

/**
 * Records the outcome; dueAt is when the job is claimable again, when the RPC says so:
 * reschedule_job returns the new scheduled_at; fail_shell_file_job returns only
 * 'retrying' (its backoff and jitter come from database configuration), so a retry is left
 * to the next tick or chain.
 */
async function settle(
  deps: WorkerDeps,
  held: ReturnType<typeof fence>,
  outcome: Outcome,
): Promise<{ outcome: JobOutcome; dueAt: number | null }> {
  if (outcome.kind === "reschedule") {
    const at = await deps.rpc("reschedule_job", {
      ...held,
      p_delay_seconds: outcome.delaySeconds,
      p_reason: outcome.reason,
    });
    if (at === null) return { outcome: "lease_lost", dueAt: null };
    const dueAt = Date.parse(at);
    return { outcome: "rescheduled", dueAt: Number.isNaN(dueAt) ? null : dueAt };
  }
  const state = await deps.rpc("fail_shell_file_job", {
    ...held,
    p_error: outcome.error,
    p_retryable: outcome.retryable,
  });
  if (state === null) return { outcome: "lease_lost", dueAt: null };
  return { outcome: outcome.retryable ? "failed_retryable" : "failed_permanent", dueAt: null };
}

/** Hands the rest of the work to a fresh invocation, so throughput does not wait for a tick. */
async function chain(deps: WorkerDeps, workerId: string): Promise<void> {
  const { supabaseUrl, serviceRoleKey } = deps.settings;
  try {
    const response = await deps.fetch(`${supabaseUrl}/functions/v1/job-worker`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${serviceRoleKey}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ source: "chain", from: workerId }),
    });
    await response.body?.cancel();
    deps.log({ event: "chained", worker_id: workerId, status: response.status });
  } catch (error) {
    // The next pg_cron tick dispatches a worker anyway.
    deps.log({ event: "chain_failed", worker_id: workerId, error: messageOf(error) });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
