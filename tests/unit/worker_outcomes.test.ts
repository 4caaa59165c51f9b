// What a step's result or error does to the job: lease lost stops without another write; no
// capacity and a provider 429 reschedule (with Retry-After) and stop; a transient error fails
// the job retryably and stops; a permanent one (a rejected or invalid answer, an encrypted,
// missing or unsupported document, a bad payload) fails it for good, and the worker moves on.

import { assertEquals } from "@std/assert";
import { invalidAnswer, ProviderError, usageOf } from "../../functions/_shared/providers/errors.ts";
import { runInvocation } from "../../functions/_shared/worker/run.ts";
import { claimedRow, createMockDeps, type Responders, sample } from "../support/worker_deps.ts";

const SCANNED = { "medical-docs/patient-1/doc.pdf": await sample("scanned-referral.pdf") };
const FENCE = { p_job_id: "job-1", p_worker_id: "worker-1" };
/** Inspected, text next: an OCR page, so the step makes a provider call. */
const AT_OCR = claimedRow({ progress: { page_count: 1, ocr_pages: [1] } });
const NEXT = claimedRow({ job_id: "job-2" });

function ocrFails(error: Error, rpcs: Responders = {}) {
  return createMockDeps({
    queue: [AT_OCR, NEXT],
    documents: SCANNED,
    rpcs,
    providers: { ocr: () => Promise.reject(error) },
  });
}

Deno.test("lease lost: a record_* RPC says false, and the worker stops without another write", async () => {
  const mock = createMockDeps({
    queue: [AT_OCR, NEXT],
    documents: SCANNED,
    rpcs: { record_page_text: () => false },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.names().at(-1), "record_page_text");
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 1);
  assertEquals(summary, {
    worker_id: "worker-1",
    jobs: [{ job_id: "job-1", steps: 0, outcome: "lease_lost" }],
    steps: 0,
    outcome: "lease_lost",
  });
  assertEquals(mock.fetchCalls, []);
});

Deno.test("no capacity: reschedule_job for a few seconds naming the provider row, no provider call, and stop", async () => {
  const mock = createMockDeps({
    queue: [AT_OCR, NEXT],
    documents: SCANNED,
    rpcs: { acquire_api_capacity: () => null },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.providerCalls, []);
  assertEquals(mock.names(), ["claim_next_job_v3", "acquire_api_capacity", "reschedule_job"]);
  assertEquals(mock.rpcCalls[2].args, {
    ...FENCE,
    p_delay_seconds: 10,
    p_reason: "no capacity for google:vision-api",
  });
  assertEquals(summary.outcome, "rescheduled");
  assertEquals(mock.fetchCalls, []);
});

Deno.test("rate_limited: the slot is released, then reschedule_job after Retry-After, and stop", async () => {
  const mock = ocrFails(
    new ProviderError({
      kind: "rate_limited",
      provider: "google_vision",
      message: "HTTP 429, retry after 42 s",
      usage: usageOf(1),
      retryAfterSeconds: 42,
      status: 429,
    }),
  );
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.names(), [
    "claim_next_job_v3",
    "acquire_api_capacity",
    "release_api_capacity",
    "reschedule_job",
  ]);
  assertEquals(mock.rpcCalls[3].args, {
    ...FENCE,
    p_delay_seconds: 42,
    p_reason: "rate limited by google_vision",
  });
  assertEquals(summary.outcome, "rescheduled");
});

Deno.test("rate_limited without Retry-After: rescheduled after 30 s", async () => {
  const mock = ocrFails(
    new ProviderError({ kind: "rate_limited", provider: "p", message: "HTTP 429", usage: null }),
  );
  await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.rpcCalls.at(-1)?.args.p_delay_seconds, 30);
});

Deno.test("transient: fail_shell_file_job retryable, with the step, page and provider, and stop", async () => {
  const mock = ocrFails(
    new ProviderError({
      kind: "transient",
      provider: "google_vision",
      message: "HTTP 503",
      usage: usageOf(1),
      status: 503,
    }),
  );
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.rpcCalls.at(-1), {
    name: "fail_shell_file_job",
    args: {
      ...FENCE,
      p_error: {
        code: "provider_unavailable",
        message: "google_vision: HTTP 503",
        step: "text",
        page: 1,
        provider: "google_vision",
        status: 503,
      },
      p_retryable: true,
    },
  });
  // The provider may be down for everyone: the next job is left for later.
  assertEquals(mock.names().filter((n) => n === "claim_next_job_v3").length, 1);
  assertEquals(summary.outcome, "failed_retryable");
});

Deno.test("an answer that failed validation: fail_shell_file_job retryable (a model's bad answer is rarely repeated)", async () => {
  const mock = createMockDeps({
    queue: [claimedRow({ progress: { page_count: 1, ocr_pages: [], text_done: 1 } })],
    providers: {
      entities: () => {
        throw invalidAnswer("openai", "entities: entities.0.type: invalid_value", usageOf(1, 9, 9));
      },
    },
  });
  mock.db.pages.set(1, { source: "pdf_text_layer", text: "some text", provider: null });
  const summary = await runInvocation(mock.deps, "worker-1");
  const fail = mock.rpcCalls.find((c) => c.name === "fail_shell_file_job");
  assertEquals(fail?.args, {
    ...FENCE,
    p_error: {
      code: "provider_unavailable",
      message: "openai: invalid answer: entities: entities.0.type: invalid_value",
      step: "pass1",
      page: 1,
      provider: "openai",
    },
    p_retryable: true,
  });
  // The release after the failed call carried what it cost.
  const release = mock.rpcCalls.find((c) => c.name === "release_api_capacity");
  assertEquals(release?.args.p_actual_tokens, 18);
  assertEquals(summary.jobs, [{ job_id: "job-1", steps: 0, outcome: "failed_retryable" }]);
  assertEquals(summary.outcome, "failed_retryable");
});

Deno.test("an encrypted PDF fails for good at inspect, with the message the user should see, before any provider call", async () => {
  const mock = createMockDeps({
    queue: [claimedRow()],
    documents: { "medical-docs/patient-1/doc.pdf": await sample("password-protected.pdf") },
  });
  await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.providerCalls, []);
  assertEquals(mock.names(), ["claim_next_job_v3", "fail_shell_file_job", "claim_next_job_v3"]);
  assertEquals(mock.rpcCalls[1].args, {
    ...FENCE,
    p_error: {
      code: "encrypted_document",
      message: "The PDF is password-protected; upload a copy without a password.",
      step: "inspect",
    },
    p_retryable: false,
  });
});

Deno.test("a missing object, an unsupported type and a payload without a path fail for good", async () => {
  const cases = [
    { row: claimedRow(), code: "document_not_found", step: "inspect" },
    { row: claimedRow({ mime_type: "text/plain" }), code: "unsupported_document", step: "inspect" },
    {
      row: { ...claimedRow(), job_payload: { storage_bucket: "medical-docs" } },
      code: "invalid_job",
      step: "claim",
    },
  ];
  for (const { row, code, step } of cases) {
    const mock = createMockDeps({ queue: [row] });
    await runInvocation(mock.deps, "worker-1");
    const fail = mock.rpcCalls.find((c) => c.name === "fail_shell_file_job");
    const error = fail?.args.p_error as { code: string; step: string; message: string };
    assertEquals([error.code, error.step, fail?.args.p_retryable], [code, step, false], code);
    // Never the storage path or the payload in the error.
    assertEquals(error.message.includes("patient-1"), false, error.message);
  }
});

Deno.test("an unexpected error (e.g. a failed read) fails retryably with a generic message", async () => {
  const mock = createMockDeps({
    queue: [claimedRow({ progress: { page_count: 1, ocr_pages: [], text_done: 1 } })],
    deps: {
      readPages: () => Promise.reject(new Error("reading shell_file_pages failed: timeout")),
    },
  });
  const summary = await runInvocation(mock.deps, "worker-1");
  assertEquals(mock.rpcCalls.at(-1)?.args, {
    ...FENCE,
    p_error: {
      code: "internal_error",
      message: "Processing failed unexpectedly.",
      step: "pass1",
      page: 1,
    },
    p_retryable: true,
  });
  assertEquals(summary.outcome, "failed_retryable");
  // The cause is in the log for the operator.
  assertEquals(mock.logs.at(-1)?.error, "reading shell_file_pages failed: timeout");
});

Deno.test("a fail or reschedule refused (null: not the holder) is a lost lease", async () => {
  const failRefused = ocrFails(
    new ProviderError({ kind: "transient", provider: "p", message: "HTTP 500", usage: null }),
    { fail_shell_file_job: () => null },
  );
  assertEquals((await runInvocation(failRefused.deps, "worker-1")).outcome, "lease_lost");

  const rescheduleRefused = createMockDeps({
    queue: [AT_OCR],
    documents: SCANNED,
    rpcs: { acquire_api_capacity: () => null, reschedule_job: () => null },
  });
  assertEquals((await runInvocation(rescheduleRefused.deps, "worker-1")).outcome, "lease_lost");
});
