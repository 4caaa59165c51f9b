// One invocation end to end over the fakes: every step of a document in order, resuming a
// job where its progress says, the next job claimed after a finish, and the budget: steps
// stop when the clock says so, the job is released and a new invocation is chained; a
// rescheduled job due again within the budget is waited for and claimed again.

import { assert, assertEquals } from "@std/assert";
import { runInvocation, WAKE_SLACK_MS } from "../../functions/_shared/worker/run.ts";
import { NO_CAPACITY_DELAY_SECONDS } from "../../functions/_shared/worker/outcomes.ts";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import {
  claimedRow,
  createMockDeps,
  sample,
  SERVICE_KEY,
  SUPABASE_URL,
} from "../support/worker_deps.ts";

const DISCHARGE = await sample("discharge-summary.pdf");
const SCANNED = await sample("scanned-referral.pdf");
const documents = {
  "medical-docs/patient-1/doc.pdf": DISCHARGE,
  "medical-docs/patient-1/scan.pdf": SCANNED,
};
const RECORDS = [
  "record_document_inspection",
  "record_page_text",
  "record_page_entities",
  "record_page_extractions",
  "record_narrative",
  "finish_shell_file_job",
];
const steps = (logs: Record<string, unknown>[]) =>
  logs.filter((l) => l.event === "step").map((l) => [l.job_id, l.step, l.page ?? null]);

Deno.test("a 3-page PDF with text layers: every step in order in one invocation, then nothing left to claim", async () => {
  const mock = createMockDeps({
    queue: [claimedRow()],
    documents,
    providers: { entities: () => [{ type: "condition", text: "diabetes", confidence: 0.8 }] },
  });
  const summary = await runInvocation(mock.deps, "worker-1");

  assertEquals(summary, {
    worker_id: "worker-1",
    jobs: [{ job_id: "job-1", steps: 12, outcome: "finished" }],
    steps: 12,
    outcome: "idle",
  });
  assertEquals(mock.names().filter((n) => RECORDS.includes(n)), [
    "record_document_inspection",
    ...Array(3).fill("record_page_text"),
    ...Array(3).fill("record_page_entities"),
    ...Array(3).fill("record_page_extractions"),
    "record_narrative",
    "finish_shell_file_job",
  ]);
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 2);
  assertEquals(mock.rpcCalls[0].args, {
    worker_id: "worker-1",
    job_types: ["shell_file_processing"],
  });
  // Text from the text layer: no OCR; 3 + 3 AI calls and the narrative, each inside capacity.
  assertEquals(mock.providerCalls.map((c) => c.method), [
    ...Array(3).fill("detectEntities"),
    ...Array(3).fill("extractClinical"),
    "writeNarrative",
  ]);
  assertEquals(mock.names().filter((n) => n === "acquire_api_capacity").length, 7);
  assertEquals(mock.names().filter((n) => n === "release_api_capacity").length, 7);
  // Pages in order, each step logged once with its job; no document text in any log line.
  assertEquals(steps(mock.logs), [
    ["job-1", "inspect", null],
    ["job-1", "text", 1],
    ["job-1", "text", 2],
    ["job-1", "text", 3],
    ["job-1", "pass1", 1],
    ["job-1", "pass1", 2],
    ["job-1", "pass1", 3],
    ["job-1", "pass2", 1],
    ["job-1", "pass2", 2],
    ["job-1", "pass2", 3],
    ["job-1", "narrative", null],
    ["job-1", "finish", null],
  ]);
  const logged = JSON.stringify(mock.logs);
  for (const words of ["Metformin", "Discharge", "diabetes", "Riverside"]) {
    assert(!logged.includes(words), `the log contains "${words}"`);
  }
  assertEquals(mock.fetchCalls, []);
});

Deno.test("a job resumed mid-document starts at the step its progress names", async () => {
  const mock = createMockDeps({
    queue: [claimedRow({
      progress: { page_count: 3, ocr_pages: [], text_done: 3, pass1_done: 3, pass2_done: 1 },
    })],
    documents,
  });
  for (const n of [1, 2, 3]) {
    mock.db.pages.set(n, { source: "pdf_text_layer", text: `page ${n}`, provider: null });
    mock.db.entities.set(n, []);
  }
  await runInvocation(mock.deps, "worker-1");
  assertEquals(steps(mock.logs), [
    ["job-1", "pass2", 2],
    ["job-1", "pass2", 3],
    ["job-1", "narrative", null],
    ["job-1", "finish", null],
  ]);
});

Deno.test("what this invocation recorded is not read back from the database; earlier invocations' results are", async () => {
  const reads: string[] = [];
  const counting = (mock: ReturnType<typeof createMockDeps>) => {
    const { readPages, readEntities } = mock.deps;
    mock.deps.readPages = (id, page) => (reads.push(`pages ${page ?? "all"}`), readPages(id, page));
    mock.deps.readEntities = (id, page) => (reads.push(`entities ${page}`), readEntities(id, page));
  };
  const whole = createMockDeps({ queue: [claimedRow()], documents });
  counting(whole);
  await runInvocation(whole.deps, "worker-1");
  assertEquals(reads, ["pages all"], "only the narrative reads, for every page at once");
  const recorded = [...whole.db.pages.values()].map((p) => p.text);

  // The same document resumed after pass 1 by another invocation: the pages and entities it
  // needs come from the database, and pass 2 sees the same text as the first run recorded.
  reads.length = 0;
  const resumed = createMockDeps({
    queue: [claimedRow({ progress: { page_count: 3, ocr_pages: [], text_done: 3, pass1_done: 3 } })],
    documents,
  });
  recorded.forEach((text, i) => resumed.db.pages.set(i + 1, { source: "pdf_text_layer", text, provider: null }));
  for (const n of [1, 2, 3]) resumed.db.entities.set(n, whole.db.entities.get(n) ?? []);
  counting(resumed);
  await runInvocation(resumed.deps, "worker-1");
  assertEquals(reads, ["pages 1", "entities 1", "pages 2", "entities 2", "pages 3", "entities 3", "pages all"]);
  const pass2Inputs = (m: typeof whole) => m.providerCalls.filter((c) => c.method === "extractClinical").map((c) => c.input);
  assertEquals(pass2Inputs(resumed), pass2Inputs(whole), "pass 2 got the same text and entities either way");
});

Deno.test("after a finish the next job is claimed and processed, by the same invocation", async () => {
  const mock = createMockDeps({
    queue: [
      claimedRow({ job_id: "job-1" }),
      claimedRow({ job_id: "job-2", path: "patient-1/scan.pdf" }),
    ],
    documents,
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(summary.jobs, [
    { job_id: "job-1", steps: 12, outcome: "finished" },
    // inspect, OCR text, pass 1, pass 2, narrative, finish
    { job_id: "job-2", steps: 6, outcome: "finished" },
  ]);
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 3);
  const finishes = mock.rpcCalls.filter((c) => c.name === "finish_shell_file_job");
  assertEquals(finishes.map((c) => c.args.p_job_id), ["job-1", "job-2"]);
});

Deno.test("the budget: no step starts with less than the safety margin left; the job is released and a worker chained", async () => {
  // Every record takes 25 s: steps start at 0, 25 and 50 s; at 75 s only 25 s of the 100 s
  // budget is left, under the 30 s margin.
  const mock = createMockDeps({
    queue: [claimedRow()],
    documents,
    onRpc: (call) => {
      if (call.name.startsWith("record_")) mock.clock.ms += 25_000;
    },
  });

  const summary = await runInvocation(mock.deps, "worker-1");

  assertEquals(steps(mock.logs), [
    ["job-1", "inspect", null],
    ["job-1", "text", 1],
    ["job-1", "text", 2],
  ]);
  assertEquals(mock.rpcCalls.at(-1), {
    name: "release_job",
    args: { p_job_id: "job-1", p_worker_id: "worker-1" },
  });
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 3, outcome: "released" }]);
  assertEquals(summary.outcome, "budget_spent");
  // One chained invocation of this same function, with the service key.
  assertEquals(mock.fetchCalls.length, 1);
  const [chain] = mock.fetchCalls;
  assertEquals(chain.url, `${SUPABASE_URL}/functions/v1/job-worker`);
  assertEquals(chain.method, "POST");
  assertEquals(chain.headers.get("authorization"), `Bearer ${SERVICE_KEY}`);
});

Deno.test("the budget spent by a finish: no job is held, so nothing is released, and a worker is chained for the rest of the queue", async () => {
  const mock = createMockDeps({
    queue: [
      claimedRow({
        progress: {
          page_count: 1,
          ocr_pages: [],
          text_done: 1,
          pass1_done: 1,
          pass2_done: 1,
          narrative_done: true,
        },
      }),
      claimedRow({ job_id: "job-2" }),
    ],
    rpcs: {
      finish_shell_file_job: () => {
        mock.clock.ms += 80_000;
        return true;
      },
    },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.names(), ["claim_next_job_v3", "finish_shell_file_job"]);
  assertEquals(summary.outcome, "budget_spent");
  assertEquals(mock.fetchCalls.length, 1);
});

Deno.test("a chain that cannot be sent is logged; the next cron tick dispatches a worker anyway", async () => {
  const mock = createMockDeps({
    queue: [claimedRow()],
    documents,
    deps: { fetch: () => Promise.reject(new TypeError("connection refused")) },
    onRpc: (call) => {
      if (call.name === "record_document_inspection") mock.clock.ms += 20_000;
    },
  });
  mock.deps.settings = { ...mock.deps.settings, budgetMs: 40_000, safetyMarginMs: 30_000 };
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(summary.outcome, "budget_spent");
  assertEquals(mock.logs.at(-1), {
    event: "chain_failed",
    worker_id: "worker-1",
    error: "connection refused",
  });
});

Deno.test("tokens: every token a provider reports reaches the database once, with the record of the step that used it", async () => {
  // The scanned PDF: one OCR page, then passes 1-3; every call reports 120 + 30 tokens.
  const usage = { requests: 1, promptTokens: 120, completionTokens: 30, tokens: 150 };
  const mock = createMockDeps({
    queue: [claimedRow({ path: "patient-1/scan.pdf" })],
    documents,
    providers: { usage, ocr: () => ({ text: "Referral: asthma", confidence: 0.9, usage }) },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 6, outcome: "finished" }]);
  const recorded = mock.rpcCalls.filter((c) =>
    c.name.startsWith("record_") && "p_tokens_used" in c.args
  );
  assertEquals(recorded.map((c) => [c.name, c.args.p_tokens_used]), [
    ["record_page_text", 150],
    ["record_page_entities", 150],
    ["record_page_extractions", 150],
    ["record_narrative", 150],
  ]);
  // What the rate limiter was told equals what usage will count; finish passes none of it.
  const released = mock.rpcCalls.filter((c) => c.name === "release_api_capacity");
  assertEquals(released.map((c) => c.args.p_actual_tokens), [150, 150, 150, 150]);
  assertEquals(mock.db.tokens, 600);
  assertEquals(mock.rpcCalls.find((c) => c.name === "finish_shell_file_job")?.args, {
    p_job_id: "job-1",
    p_worker_id: "worker-1",
  });
});

Deno.test("settings.chain false (the long-running worker): a spent budget releases the job and chains nothing", async () => {
  const mock = createMockDeps({
    queue: [claimedRow()],
    documents,
    onRpc: (call) => {
      if (call.name.startsWith("record_")) mock.clock.ms += 25_000;
    },
  });
  mock.deps.settings = { ...mock.deps.settings, chain: false };
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 3, outcome: "released" }]);
  assertEquals(summary.outcome, "budget_spent");
  assertEquals(mock.names().at(-1), "release_job");
  assertEquals(mock.fetchCalls, []);
  assertEquals(mock.logs.filter((l) => String(l.event).startsWith("chain")), []);
});

Deno.test("options.stop: the step under way ends with its record, the job is released, nothing is chained", async () => {
  const stop = new AbortController();
  const mock = createMockDeps({
    queue: [claimedRow(), claimedRow({ job_id: "job-2" })],
    documents,
    // The signal arrives while page 1's text is being recorded.
    onRpc: (call) => {
      if (call.name === "record_page_text") stop.abort();
    },
  });
  const summary = await runInvocation(mock.deps, "worker-1", { stop: stop.signal });
  assertEquals(steps(mock.logs), [["job-1", "inspect", null], ["job-1", "text", 1]]);
  assertEquals(mock.names().slice(-2), ["record_page_text", "release_job"]);
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 2, outcome: "released" }]);
  assertEquals(summary.outcome, "stopped");
  assertEquals(
    mock.names().filter((n) => n === "claim_next_job_v3").length,
    1,
    "job-2 is not claimed",
  );
  assertEquals(mock.fetchCalls, [], "a stopped worker chains nothing, even with settings.chain");
});

Deno.test("options.stop already aborted: nothing is claimed", async () => {
  const mock = createMockDeps({ queue: [claimedRow()], documents });
  const summary = await runInvocation(mock.deps, "worker-1", { stop: AbortSignal.abort() });
  assertEquals([summary.outcome, mock.rpcCalls, mock.fetchCalls], ["stopped", [], []]);
});

// Waiting for a rescheduled job inside the invocation: budget 100 s, margin 40 s, so a step
// may start until 60 s after the invocation began. reschedule_job answers clock + dueInMs and
// puts the job back in the queue (its text recorded); the fake sleep moves the clock.
function rescheduleOnce(dueInMs: number, init: { sleep?: boolean; stop?: AbortController } = {}) {
  const queue = [claimedRow()];
  const sleeps: number[] = [];
  let refused = false;
  const mock = createMockDeps({
    documents,
    rpcs: {
      claim_next_job_v3: () => {
        const row = queue.shift();
        return row ? [row] : [];
      },
      // The first AI call finds no capacity; every later one gets a slot.
      acquire_api_capacity: () => {
        if (refused) return "lease";
        refused = true;
        return null;
      },
      reschedule_job: () => {
        queue.push(claimedRow({ progress: { page_count: 3, ocr_pages: [], text_done: 3 } }));
        return new Date(mock.clock.ms + dueInMs).toISOString();
      },
    },
    deps: init.sleep === false ? {} : {
      sleep: (ms) => {
        sleeps.push(ms);
        mock.clock.ms += ms;
        init.stop?.abort();
        return Promise.resolve();
      },
    },
  });
  mock.deps.settings = { ...mock.deps.settings, budgetMs: 100_000, safetyMarginMs: 40_000 };
  return { mock, sleeps, lastStart: mock.clock.ms + 60_000 };
}

Deno.test("a no-capacity reschedule due in 10 s with 60 s left: the invocation waits for it, claims again and finishes the job", async () => {
  const { mock, sleeps } = rescheduleOnce(10_000);
  const summary = await runInvocation(mock.deps, "worker-1");

  const at = mock.rpcCalls.findIndex((c) => c.name === "reschedule_job");
  assertEquals(mock.rpcCalls[at].args.p_delay_seconds, NO_CAPACITY_DELAY_SECONDS);
  assertEquals(sleeps.length, 1);
  // Until scheduled_at plus the slack for clock skew: ~10 s, never past the last step start.
  assertEquals(sleeps[0], 10_000 + WAKE_SLACK_MS);
  assertEquals(mock.logs.find((l) => l.event === "waiting"), {
    event: "waiting",
    worker_id: "worker-1",
    job_id: "job-1",
    ms: 10_000 + WAKE_SLACK_MS,
  });
  assertEquals(summary.jobs, [
    { job_id: "job-1", steps: 4, outcome: "rescheduled" },
    { job_id: "job-1", steps: 8, outcome: "finished" },
  ]);
  assertEquals(summary.outcome, "idle");
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 3);
  assertEquals(mock.names().filter((n) => n === "finish_shell_file_job").length, 1);
  assertEquals(mock.fetchCalls, [], "nothing chained: the queue is empty");
});

Deno.test("a reschedule due in 90 s with 60 s left: the invocation returns at once, without waiting", async () => {
  const { mock, sleeps } = rescheduleOnce(90_000);
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(sleeps, []);
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 4, outcome: "rescheduled" }]);
  assertEquals(summary.outcome, "rescheduled");
  assertEquals(mock.names().at(-1), "reschedule_job");
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 1);
  assertEquals(mock.fetchCalls, []);
});

Deno.test("the wait never goes past the last moment a step may start", async () => {
  // Due just early enough that scheduled_at + slack is the last start: the wait ends there.
  const fits = rescheduleOnce(0);
  fits.mock.deps.rpc = ((inner) => (async (name: string, args: Record<string, unknown>) => {
    const result = await (inner as (n: string, a: unknown) => Promise<unknown>)(name, args);
    if (name === "reschedule_job") {
      return new Date(fits.lastStart - WAKE_SLACK_MS).toISOString();
    }
    return result;
  }))(fits.mock.deps.rpc) as typeof fits.mock.deps.rpc;
  await runInvocation(fits.mock.deps, "worker-1");
  assertEquals(fits.sleeps.length, 1);
  const woke = fits.mock.rpcCalls.findIndex((c) => c.name === "reschedule_job") + 1;
  assertEquals(fits.mock.rpcCalls[woke].name, "claim_next_job_v3");
  assert(fits.sleeps[0] > 0);

  // One millisecond later does not fit: no wait at all.
  const late = rescheduleOnce(0);
  late.mock.deps.rpc = ((inner) => (async (name: string, args: Record<string, unknown>) => {
    const result = await (inner as (n: string, a: unknown) => Promise<unknown>)(name, args);
    if (name === "reschedule_job") {
      return new Date(late.lastStart - WAKE_SLACK_MS + 1).toISOString();
    }
    return result;
  }))(late.mock.deps.rpc) as typeof late.mock.deps.rpc;
  const summary = await runInvocation(late.mock.deps, "worker-1");
  assertEquals([late.sleeps, summary.outcome], [[], "rescheduled"]);
});

Deno.test("whatever the due time, a wait ends by the last moment a step may start", async () => {
  // Every wait the invocation takes ends no later than startedAt + budget - margin.
  for (const dueInMs of [0, 5_000, 10_000, 30_000, 58_000, 59_000, 60_000]) {
    const { mock, lastStart } = rescheduleOnce(dueInMs);
    const ends: number[] = [];
    const sleep = mock.deps.sleep!;
    mock.deps.sleep = async (ms, stop) => {
      await sleep(ms, stop);
      ends.push(mock.clock.ms);
    };
    await runInvocation(mock.deps, "worker-1");
    for (const end of ends) assert(end <= lastStart, `due in ${dueInMs} ms: woke past the budget`);
  }
});

Deno.test("a 'retrying' failure: fail_shell_file_job names no due time, so the invocation returns without waiting", async () => {
  const sleeps: number[] = [];
  const mock = createMockDeps({
    queue: [claimedRow(), claimedRow({ job_id: "job-2" })],
    documents,
    providers: {
      entities: () => {
        throw new ProviderError({
          kind: "transient",
          provider: "fake_ai",
          message: "upstream 503",
          usage: null,
          status: 503,
        });
      },
    },
    deps: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(sleeps, []);
  assertEquals(mock.names().at(-1), "fail_shell_file_job");
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 4, outcome: "failed_retryable" }]);
  assertEquals(summary.outcome, "failed_retryable");
  assertEquals(mock.fetchCalls, []);
});

Deno.test("options.stop during the wait: nothing more is claimed, nothing chained", async () => {
  const stop = new AbortController();
  const { mock, sleeps } = rescheduleOnce(10_000, { stop });
  let signal: AbortSignal | undefined;
  const sleep = mock.deps.sleep!;
  mock.deps.sleep = (ms, s) => {
    signal = s;
    return sleep(ms, s);
  };
  const summary = await runInvocation(mock.deps, "worker-1", { stop: stop.signal });
  assertEquals(signal, stop.signal, "the wait is given the stop signal, to be cut short");
  assertEquals(sleeps.length, 1);
  assertEquals(summary.outcome, "stopped");
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 1);
  assertEquals(mock.fetchCalls, []);
});

Deno.test("deps without sleep: a reschedule due within the budget still returns at once", async () => {
  const { mock } = rescheduleOnce(10_000, { sleep: false });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(summary.outcome, "rescheduled");
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 1);
});
