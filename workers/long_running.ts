// The optional long-running worker, for teams that outgrow Edge Function limits (the 150 s
// wall clock, invocation counts): the same step engine (runInvocation) and the same RPC
// contract as the job-worker function, run as one process on a host of your own, in a loop:
//
//   round: runInvocation claims a job, takes its steps (each checkpointed by its record_*
//          RPC), and goes on to the next job, until the queue is empty or WORKER_BUDGET_MS
//          is spent (then it hands its job back with release_job, so long documents take
//          turns with the rest of the queue; nothing is chained: the loop is the chain);
//   then:  a spent budget means work is waiting, so the next round starts at once; anything
//          else (an empty queue, no provider capacity, a provider down, a lost lease, a
//          database error) waits WORKER_POLL_INTERVAL_MS first.
//
// SIGINT / SIGTERM: no new step starts; the step under way ends with its record, its job is
// released, and the process exits. A second signal exits at once, which is also safe: a step
// is the unit of work, and a job whose holder vanished is handed back by the lease sweeper.
//
//   deno run --allow-net --allow-env --config deno.json workers/long_running.ts
//
// Environment: SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY and the provider settings, as for the
// job-worker function (functions/_shared/providers/config.ts), plus
//   WORKER_BUDGET_MS, WORKER_SAFETY_MARGIN_MS   as for the function (settings.ts)
//   WORKER_POLL_INTERVAL_MS                     default 5000: the wait after a round that
//                                               found nothing to do (1 to 600000)
//
// It lives outside functions/ because it is not an Edge Function (supabase functions deploy
// must not pick it up), and outside scripts/ because it is not tooling for this repository
// but production code that teams deploy and run.

import type { WorkerDeps } from "../functions/_shared/worker/deps.ts";
import { runInvocation, type RunSummary } from "../functions/_shared/worker/run.ts";
import { serviceWorkerDeps } from "../functions/_shared/worker/service_deps.ts";

type Env = Record<string, string | undefined>;

export const DEFAULT_POLL_INTERVAL_MS = 5_000;
const MAX_POLL_INTERVAL_MS = 600_000;

export function pollIntervalMs(env: Env): number {
  const raw = env.WORKER_POLL_INTERVAL_MS?.trim();
  const value = Number(raw || DEFAULT_POLL_INTERVAL_MS);
  if (!Number.isInteger(value) || value < 1 || value > MAX_POLL_INTERVAL_MS) {
    throw new Error(
      `WORKER_POLL_INTERVAL_MS must be whole milliseconds from 1 to ${MAX_POLL_INTERVAL_MS}`,
    );
  }
  return value;
}

/** The job-worker's dependencies (the same builder), for a host that never chains. */
export function longRunningDeps(env: Env): WorkerDeps {
  return serviceWorkerDeps(env, {
    chain: false,
    // Nothing in the step engine uses it; background work simply runs in this process.
    waitUntil: (work) => void work.catch(() => {}),
  });
}

/** Resolves after `ms`, or at once when `stop` is aborted (clearing its timer). */
export function sleep(ms: number, stop: AbortSignal): Promise<void> {
  if (stop.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop.addEventListener("abort", done);
  });
}

export interface LoopOptions {
  /** The wait after a round that did not spend its budget. */
  pollIntervalMs: number;
  /** Aborted: stop after the current step. */
  stop: AbortSignal;
  /** Tests pass a fake; it must resolve at once when `stop` is aborted. */
  sleep?: (ms: number, stop: AbortSignal) => Promise<void>;
}

export interface LoopReport {
  worker_id: string;
  rounds: number;
  jobs: number;
  steps: number;
}

/**
 * Rounds of runInvocation until `stop` is aborted. One worker id for the process. Never
 * chains, whatever deps.settings says: this loop is the chain.
 */
export async function runLongRunningWorker(
  workerDeps: WorkerDeps,
  options: LoopOptions,
): Promise<LoopReport> {
  const deps: WorkerDeps = { ...workerDeps, settings: { ...workerDeps.settings, chain: false } };
  const wait = options.sleep ?? sleep;
  const report: LoopReport = { worker_id: deps.newWorkerId(), rounds: 0, jobs: 0, steps: 0 };
  deps.log({
    event: "long_running_started",
    worker_id: report.worker_id,
    poll_interval_ms: options.pollIntervalMs,
    budget_ms: deps.settings.budgetMs,
  });
  while (!options.stop.aborted) {
    const summary: RunSummary = await runInvocation(deps, report.worker_id, { stop: options.stop });
    report.rounds++;
    report.jobs += summary.jobs.length;
    report.steps += summary.steps;
    // An idle round is the normal state of a quiet queue: not worth a line every poll.
    if (summary.outcome !== "idle" || summary.jobs.length > 0) {
      deps.log({ event: "invocation", ...summary });
    }
    // Only a spent budget says work is waiting right now.
    if (summary.outcome !== "budget_spent" && !options.stop.aborted) {
      await wait(options.pollIntervalMs, options.stop);
    }
  }
  deps.log({ event: "long_running_stopped", ...report });
  return report;
}

export type StopSignal = "SIGINT" | "SIGTERM";

/** The part of the Deno namespace that installs signal handlers (tests pass a fake). */
export interface SignalApi {
  addSignalListener(signal: StopSignal, handler: () => void): void;
  removeSignalListener(signal: StopSignal, handler: () => void): void;
}

/**
 * The first SIGINT or SIGTERM aborts `controller` (stop after the current step); a second
 * calls `force` with the signal (exit now). Returns a function that removes the handlers, so
 * the process can end once the loop has.
 */
export function stopOnSignals(
  controller: AbortController,
  api: SignalApi,
  force: (signal: StopSignal) => void,
  log: (entry: Record<string, unknown>) => void = () => {},
): () => void {
  const handlers = (["SIGINT", "SIGTERM"] as const).map((signal) => {
    const handler = () => {
      if (controller.signal.aborted) {
        log({ event: "long_running_killed", signal });
        force(signal);
        return;
      }
      log({ event: "long_running_stopping", signal });
      controller.abort();
    };
    api.addSignalListener(signal, handler);
    return [signal, handler] as const;
  });
  return () => {
    for (const [signal, handler] of handlers) api.removeSignalListener(signal, handler);
  };
}

if (import.meta.main) {
  const env = Deno.env.toObject();
  const deps = longRunningDeps(env);
  const interval = pollIntervalMs(env);
  const controller = new AbortController();
  const removeHandlers = stopOnSignals(
    controller,
    Deno,
    (signal) => Deno.exit(signal === "SIGINT" ? 130 : 143),
    deps.log,
  );
  try {
    await runLongRunningWorker(deps, { pollIntervalMs: interval, stop: controller.signal });
  } finally {
    removeHandlers();
  }
}
