// The optional long-running worker (workers/long_running.ts) over the worker fakes: rounds of
// the same step engine until the queue is empty, then a wait of the poll interval before the
// next look; a stop signal ends it after the step under way (the job handed back); it never
// chains an Edge Function invocation, even when a round spends its budget; and its pieces:
// signal handling, an interruptible sleep, the poll interval setting, the deps it builds.

import { assert, assertEquals, assertThrows } from "@std/assert";
import type { ClaimedRow } from "../../functions/_shared/worker/rpc.ts";
import type { Progress } from "../../functions/_shared/worker/steps.ts";
import {
  DEFAULT_POLL_INTERVAL_MS,
  longRunningDeps,
  pollIntervalMs,
  runLongRunningWorker,
  sleep,
  stopOnSignals,
  type StopSignal,
} from "../../workers/long_running.ts";
import { claimedRow, createMockDeps, type RpcCall, sample } from "../support/worker_deps.ts";

const documents = {
  "medical-docs/patient-1/doc.pdf": await sample("discharge-summary.pdf"),
  "medical-docs/patient-1/scan.pdf": await sample("scanned-referral.pdf"),
};
const POLL = 2_500;

/** A claimable queue the test can add to, and the progress the record_* calls made so far. */
function fakeQueue(rows: ClaimedRow[]) {
  const queue = [...rows];
  const progress = new Map<string, Progress>();
  const track = (call: RpcCall) => {
    const a = call.args as Record<string, unknown>;
    const job = a.p_job_id as string;
    const p = progress.get(job) ?? {};
    if (call.name === "record_document_inspection") {
      Object.assign(p, {
        page_count: a.p_page_count,
        ocr_pages: a.p_ocr_pages,
        text_done: 0,
        pass1_done: 0,
        pass2_done: 0,
        narrative_done: false,
      });
    }
    if (call.name === "record_page_text") p.text_done = a.p_page_number as number;
    if (call.name === "record_page_entities") p.pass1_done = a.p_page_number as number;
    if (call.name === "record_page_extractions") p.pass2_done = a.p_page_number as number;
    if (call.name === "record_narrative") p.narrative_done = true;
    progress.set(job, p);
  };
  return {
    queue,
    track,
    claim: () => {
      const row = queue.shift();
      return row ? [row] : [];
    },
    /** release_job: the job is claimable again, from its checkpointed progress. */
    release: (a: { p_job_id: string }) => {
      queue.push(claimedRow({ job_id: a.p_job_id, progress: { ...progress.get(a.p_job_id) } }));
      return true;
    },
  };
}

const finished = (calls: RpcCall[]) =>
  calls.filter((c) => c.name === "finish_shell_file_job").map((c) => c.args.p_job_id);

Deno.test("processes jobs until the queue is empty, then polls; work queued meanwhile is found at the next poll", async () => {
  const q = fakeQueue([
    claimedRow({ job_id: "job-1" }),
    claimedRow({ job_id: "job-2", path: "patient-1/scan.pdf" }),
  ]);
  const mock = createMockDeps({ documents, rpcs: { claim_next_job_v3: q.claim } });
  const stop = new AbortController();
  const sleeps: number[] = [];
  const report = await runLongRunningWorker(mock.deps, {
    pollIntervalMs: POLL,
    stop: stop.signal,
    sleep: (ms) => {
      sleeps.push(ms);
      // While it waits: a new upload; at the second wait, the operator stops it.
      if (sleeps.length === 1) q.queue.push(claimedRow({ job_id: "job-3" }));
      if (sleeps.length === 2) stop.abort();
      return Promise.resolve();
    },
  });

  assertEquals(finished(mock.rpcCalls), ["job-1", "job-2", "job-3"]);
  assertEquals(sleeps, [POLL, POLL], "a poll interval after each round that emptied the queue");
  assertEquals(report, { worker_id: "worker-1", rounds: 2, jobs: 3, steps: 12 + 6 + 12 });
  // Round 1: job-1, job-2, then nothing (idle); round 2: job-3, then nothing.
  const invocations = mock.logs.filter((l) => l.event === "invocation");
  assertEquals(invocations.map((l) => [l.outcome, (l.jobs as unknown[]).length]), [["idle", 2], [
    "idle",
    1,
  ]]);
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 5);
  assertEquals(mock.fetchCalls, [], "never chains");
  assertEquals(mock.logs.at(-1), { event: "long_running_stopped", ...report });
});

Deno.test("a quiet queue: one claim per poll interval, and no log line per idle round", async () => {
  const mock = createMockDeps({ queue: [] });
  const stop = new AbortController();
  let polls = 0;
  await runLongRunningWorker(mock.deps, {
    pollIntervalMs: POLL,
    stop: stop.signal,
    sleep: () => {
      if (++polls === 3) stop.abort();
      return Promise.resolve();
    },
  });
  assertEquals(mock.names(), Array(3).fill("claim_next_job_v3"));
  assertEquals(mock.logs.map((l) => l.event), ["long_running_started", "long_running_stopped"]);
});

Deno.test("a stop signal ends it after the step under way: that step is recorded, its job released, nothing more", async () => {
  const stop = new AbortController();
  const mock = createMockDeps({
    queue: [claimedRow({ job_id: "job-1" }), claimedRow({ job_id: "job-2" })],
    documents,
    onRpc: (call) => {
      // SIGTERM arrives while page 2's text is being recorded.
      if (call.name === "record_page_text" && call.args.p_page_number === 2) stop.abort();
    },
  });
  const sleeps: number[] = [];
  const report = await runLongRunningWorker(mock.deps, {
    pollIntervalMs: POLL,
    stop: stop.signal,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });

  assertEquals(mock.names().slice(-2), ["record_page_text", "release_job"]);
  assertEquals(mock.rpcCalls.at(-1)?.args, { p_job_id: "job-1", p_worker_id: "worker-1" });
  assertEquals(report, { worker_id: "worker-1", rounds: 1, jobs: 1, steps: 3 });
  assertEquals(mock.logs.find((l) => l.event === "invocation")?.outcome, "stopped");
  assertEquals(sleeps, [], "no wait once stopped");
  assertEquals(
    mock.names().filter((n) => n === "claim_next_job_v3").length,
    1,
    "job-2 is left for others",
  );
  assertEquals(mock.fetchCalls, []);
});

Deno.test("never chains: a round that spends its budget hands the job back and the next round resumes it at once", async () => {
  const q = fakeQueue([claimedRow({ job_id: "job-1" })]);
  const stop = new AbortController();
  const mock = createMockDeps({
    documents,
    rpcs: { claim_next_job_v3: q.claim, release_job: q.release },
    // Every record takes 25 s: 3 steps per 100 s budget (30 s margin).
    onRpc: (call) => {
      q.track(call);
      if (call.name.startsWith("record_")) mock.clock.ms += 25_000;
    },
  });
  // Even deps built for the Edge Function (chain on) do not chain from this loop.
  assertEquals(mock.deps.settings.chain, true);
  const sleeps: number[] = [];
  const report = await runLongRunningWorker(mock.deps, {
    pollIntervalMs: POLL,
    stop: stop.signal,
    sleep: (ms) => {
      sleeps.push(ms);
      stop.abort();
      return Promise.resolve();
    },
  });

  assertEquals(finished(mock.rpcCalls), ["job-1"]);
  assertEquals(report.steps, 12, "every step once, across rounds");
  const outcomes = mock.logs.filter((l) => l.event === "invocation").map((l) => l.outcome);
  assertEquals(outcomes, ["budget_spent", "budget_spent", "budget_spent", "idle"]);
  assertEquals(mock.names().filter((n) => n === "release_job").length, 3);
  assertEquals(sleeps, [POLL], "no wait after a spent budget; one when the queue is empty");
  assertEquals(mock.fetchCalls, [], "no job-worker invocation was chained");
  assertEquals(mock.logs.filter((l) => String(l.event).startsWith("chain")), []);
});

Deno.test("a round stopped by something other than its budget (no provider capacity) waits a poll interval", async () => {
  const stop = new AbortController();
  const mock = createMockDeps({
    queue: [claimedRow({ job_id: "job-1", path: "patient-1/scan.pdf" })],
    documents,
    rpcs: { acquire_api_capacity: () => null },
  });
  const sleeps: number[] = [];
  await runLongRunningWorker(mock.deps, {
    pollIntervalMs: POLL,
    stop: stop.signal,
    sleep: (ms) => {
      sleeps.push(ms);
      stop.abort();
      return Promise.resolve();
    },
  });
  assert(mock.names().includes("reschedule_job"));
  assertEquals(mock.logs.find((l) => l.event === "invocation")?.outcome, "rescheduled");
  assertEquals(sleeps, [POLL]);
});

Deno.test("stopOnSignals: the first SIGINT or SIGTERM stops after the step, a second one forces; the handlers can be removed", () => {
  const handlers = new Map<StopSignal, () => void>();
  const api = {
    addSignalListener: (signal: StopSignal, handler: () => void) =>
      void handlers.set(signal, handler),
    removeSignalListener: (signal: StopSignal, handler: () => void) => {
      if (handlers.get(signal) === handler) handlers.delete(signal);
    },
  };
  const forced: StopSignal[] = [];
  const controller = new AbortController();
  const remove = stopOnSignals(controller, api, (signal) => forced.push(signal));
  assertEquals([...handlers.keys()].sort(), ["SIGINT", "SIGTERM"]);

  handlers.get("SIGTERM")!();
  assertEquals([controller.signal.aborted, forced], [true, []]);
  handlers.get("SIGINT")!();
  assertEquals(forced, ["SIGINT"]);

  remove();
  assertEquals(handlers.size, 0);
});

Deno.test("sleep: waits its time, or ends at once on stop with its timer cleared", async () => {
  // Every timer started here must have fired or been cleared by the end.
  const { setTimeout: realSet, clearTimeout: realClear } = globalThis;
  type Timer = ReturnType<typeof setTimeout>;
  const live = new Set<Timer>();
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    const id = realSet(() => {
      live.delete(id);
      fn();
    }, ms);
    live.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id?: Timer) => {
    if (id !== undefined) live.delete(id);
    realClear(id);
  }) as typeof clearTimeout;
  try {
    const started = Date.now();
    await sleep(20, new AbortController().signal);
    assert(Date.now() - started >= 15);

    const stop = new AbortController();
    const waiting = sleep(60_000, stop.signal);
    setTimeout(() => stop.abort(), 5);
    await waiting;
    await sleep(60_000, stop.signal); // already stopped: at once, no timer
    assertEquals(live.size, 0, "the 60 s timer was cleared when the stop came");
  } finally {
    for (const id of live) realClear(id);
    Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear });
  }
});

Deno.test("WORKER_POLL_INTERVAL_MS: default, override, and refusals that name it", () => {
  assertEquals(pollIntervalMs({}), DEFAULT_POLL_INTERVAL_MS);
  assertEquals(pollIntervalMs({ WORKER_POLL_INTERVAL_MS: " " }), DEFAULT_POLL_INTERVAL_MS);
  assertEquals(pollIntervalMs({ WORKER_POLL_INTERVAL_MS: "250" }), 250);
  for (const value of ["0", "-5", "1.5", "abc", "600001"]) {
    assertThrows(
      () => pollIntervalMs({ WORKER_POLL_INTERVAL_MS: value }),
      Error,
      "WORKER_POLL_INTERVAL_MS must be whole milliseconds",
    );
  }
});

Deno.test("longRunningDeps: the job-worker's builder and settings, with chaining off", () => {
  const env = {
    SUPABASE_URL: "http://127.0.0.1:54321/",
    SUPABASE_SERVICE_ROLE_KEY: "service-key",
    AI_API_KEY: "ai-key",
    GOOGLE_VISION_API_KEY: "vision-key",
    WORKER_BUDGET_MS: "60000",
  };
  const deps = longRunningDeps(env);
  assertEquals(deps.settings, {
    supabaseUrl: "http://127.0.0.1:54321",
    serviceRoleKey: "service-key",
    budgetMs: 60_000,
    safetyMarginMs: 30_000,
    chain: false,
  });
  assertEquals([deps.providers.ocr.name, deps.aiModel], ["google_vision", "gpt-4o-mini"]);
  assertThrows(
    () => longRunningDeps({ ...env, SUPABASE_SERVICE_ROLE_KEY: "" }),
    Error,
    "SUPABASE_SERVICE_ROLE_KEY",
  );
});
