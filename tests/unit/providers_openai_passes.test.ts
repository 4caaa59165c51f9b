// The AI passes through the `openai` client against a fake fetch: request shape (endpoint,
// auth, model, JSON mode, pass marker, input), zod validation of the answers, usage, and the
// classification of every failure.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import { createOpenAIPasses } from "../../functions/_shared/providers/openai_passes.ts";
import { passOf } from "../../functions/_shared/providers/prompts.ts";
import type { ClinicalItem, Entity } from "../../functions/_shared/providers/types.ts";
import {
  type Call,
  failingFetch,
  fakeFetch,
  hangingFetch,
  jsonResponse,
} from "../support/fake_fetch.ts";

const NOW = Date.parse("2026-11-22T10:00:00Z");
const SETTINGS = {
  baseURL: "https://llm.example.test/v1",
  apiKey: "sk-test",
  model: "test-model",
  timeoutMs: 5000,
  rateLimit: { provider_name: "openai", api_endpoint: "gpt-4o-mini" },
};
const PAGE = { pageNumber: 2, text: "Medication: Metformin 500 mg twice daily" };
const ENTITY: Entity = {
  type: "medication",
  text: "Metformin 500 mg twice daily",
  confidence: 0.9,
};
const ITEM: ClinicalItem = {
  category: "medication",
  label: "Metformin",
  details: { dose: "500 mg" },
  confidence: 0.9,
};

/** usage null: the endpoint sends none. */
function completion(
  content: string | null,
  usage: unknown = { prompt_tokens: 120, completion_tokens: 30, total_tokens: 150 },
) {
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    created: 1,
    model: "test-model",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    ...(usage === null ? {} : { usage }),
  };
}

function passes(fetch: typeof globalThis.fetch, settings: Partial<typeof SETTINGS> = {}) {
  return createOpenAIPasses({ ...SETTINGS, ...settings }, { fetch, now: () => NOW });
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  return await assertRejects(() => promise, ProviderError);
}

function sent(call: Call) {
  const body = JSON.parse(call.body);
  return {
    body,
    system: body.messages[0].content as string,
    user: JSON.parse(body.messages[1].content),
  };
}

Deno.test("pass 1 asks the configured endpoint and model for JSON, marked as the entities pass", async () => {
  const { fetch, calls } = fakeFetch(() =>
    jsonResponse(completion(JSON.stringify({ entities: [ENTITY] })))
  );
  const ai = passes(fetch);
  assertEquals([ai.name, ai.rateLimit], ["openai", SETTINGS.rateLimit]);
  const result = await ai.detectEntities(PAGE);
  assertEquals(calls.length, 1);
  assertEquals(calls[0].url, "https://llm.example.test/v1/chat/completions");
  assertEquals(calls[0].method, "POST");
  assertEquals(calls[0].headers.get("authorization"), "Bearer sk-test");
  const { body, system, user } = sent(calls[0]);
  assertEquals(body.model, "test-model");
  assertEquals(body.response_format, { type: "json_object" });
  assertEquals(body.messages.map((m: { role: string }) => m.role), ["system", "user"]);
  assertEquals(passOf(system), "entities");
  assertEquals(user, { page: 2, text: PAGE.text });
  assertEquals(result.output, [ENTITY]);
  assertEquals(result.usage, { requests: 1, promptTokens: 120, completionTokens: 30, tokens: 150 });
});

Deno.test("pass 2 sends the page with pass 1's entities and returns validated items", async () => {
  const { fetch, calls } = fakeFetch(() =>
    jsonResponse(completion(JSON.stringify({ items: [ITEM] })))
  );
  const result = await passes(fetch).extractClinical({ ...PAGE, entities: [ENTITY] });
  const { system, user } = sent(calls[0]);
  assertEquals(passOf(system), "clinical");
  assertEquals(user, { page: 2, text: PAGE.text, entities: [ENTITY] });
  assertEquals(result.output, [ITEM]);
});

Deno.test("pass 3 sends every page and the items, and returns title and narrative", async () => {
  const answer = { title: "Discharge summary", narrative: "Metformin was continued." };
  const { fetch, calls } = fakeFetch(() => jsonResponse(completion(JSON.stringify(answer))));
  const result = await passes(fetch).writeNarrative({
    pages: [PAGE, { pageNumber: 3, text: "x" }],
    items: [ITEM],
  });
  const { system, user } = sent(calls[0]);
  assertEquals(passOf(system), "narrative");
  assertEquals(user, {
    pages: [{ page: 2, text: PAGE.text }, { page: 3, text: "x" }],
    items: [ITEM],
  });
  assertEquals(result.output, answer);
});

Deno.test("an endpoint that reports no usage is still counted, at about 4 characters per token", async () => {
  const { fetch } = fakeFetch(() =>
    jsonResponse(completion(JSON.stringify({ entities: [] }), null))
  );
  const { usage } = await passes(fetch).detectEntities(PAGE);
  assertEquals(usage.requests, 1);
  assert(usage.promptTokens > PAGE.text.length / 4, JSON.stringify(usage));
  assertEquals(usage.completionTokens, Math.ceil('{"entities":[]}'.length / 4));
});

Deno.test("an answer that is not JSON is transient (retried), and reports the tokens it cost", async () => {
  const { fetch } = fakeFetch(() => jsonResponse(completion('{"entities": [')));
  const error = await failure(passes(fetch).detectEntities(PAGE));
  assertEquals(error.kind, "transient");
  assertEquals(error.message, "openai: invalid answer: entities: not JSON (finish_reason stop)");
  assertEquals(error.usage, { requests: 1, promptTokens: 120, completionTokens: 30, tokens: 150 });
});

Deno.test("an answer that fails the schema is transient (retried), names the fields, and leaks no text", async () => {
  const bad = {
    items: [{ category: "diagnosis", label: "Metformin", details: {}, confidence: 1.5 }],
  };
  const { fetch } = fakeFetch(() => jsonResponse(completion(JSON.stringify(bad))));
  const error = await failure(passes(fetch).extractClinical({ ...PAGE, entities: [] }));
  assertEquals(error.kind, "transient");
  assertEquals(
    error.message,
    "openai: invalid answer: clinical: items.0.category: invalid_value; items.0.confidence: too_big",
  );
  assertEquals(error.usage?.tokens, 150);
  assert(!error.message.includes("Metformin"));
});

Deno.test("a null content, a missing field, and a body that is not a completion are invalid answers, retried", async () => {
  for (
    const body of [
      completion(null),
      completion(JSON.stringify({ title: "only a title" })),
      { object: "not a completion" },
    ]
  ) {
    const { fetch } = fakeFetch(() => jsonResponse(body));
    assertEquals(
      (await failure(passes(fetch).writeNarrative({ pages: [PAGE], items: [] }))).kind,
      "transient",
    );
  }
  const { fetch } = fakeFetch(() => jsonResponse("{not json"));
  const error = await failure(passes(fetch).detectEntities(PAGE));
  assertEquals([error.kind, error.message], [
    "transient",
    "openai: invalid answer: response body is not JSON",
  ]);
});

Deno.test("429 is rate_limited with retry-after, retry-after-ms or none; insufficient_quota is permanent", async () => {
  const limited = (code: string) => ({
    error: { message: "Rate limit reached for Metformin", type: "requests", code },
  });
  for (
    const [headers, wait] of [
      [{ "retry-after": "7" }, 7],
      [{ "retry-after-ms": "2500" }, 3],
      [{}, null],
    ] as const
  ) {
    const { fetch } = fakeFetch(() => jsonResponse(limited("rate_limit_exceeded"), 429, headers));
    const error = await failure(passes(fetch).detectEntities(PAGE));
    assertEquals([error.kind, error.retryAfterSeconds, error.status], ["rate_limited", wait, 429]);
    assert(error.message.startsWith("openai: HTTP 429 rate_limit_exceeded"), error.message);
    assert(!error.message.includes("Metformin"), error.message);
    assertEquals(error.usage, { requests: 1, promptTokens: 0, completionTokens: 0, tokens: 0 });
  }
  const { fetch } = fakeFetch(() =>
    jsonResponse(limited("insufficient_quota"), 429, { "retry-after": "1" })
  );
  const quota = await failure(passes(fetch).detectEntities(PAGE));
  assertEquals([quota.kind, quota.retryAfterSeconds], ["permanent", null]);
});

Deno.test("5xx is transient, other 4xx permanent; the client does not retry by itself", async () => {
  for (
    const [status, kind] of [[500, "transient"], [503, "transient"], [400, "permanent"], [
      401,
      "permanent",
    ]] as const
  ) {
    const { fetch, calls } = fakeFetch(() =>
      jsonResponse({ error: { message: "x", type: "t", code: null } }, status)
    );
    const error = await failure(passes(fetch).detectEntities(PAGE));
    assertEquals([error.kind, error.status, error.message], [
      kind,
      status,
      `openai: HTTP ${status}`,
    ]);
    assertEquals(calls.length, 1);
  }
});

Deno.test("a timeout, a caller's abort and a network failure are transient with unknown usage", async () => {
  const started = performance.now();
  const timeout = await failure(passes(hangingFetch, { timeoutMs: 50 }).detectEntities(PAGE));
  assert(performance.now() - started < 2000);
  assertEquals([timeout.kind, timeout.usage, timeout.message], [
    "transient",
    null,
    "openai: no answer within 50 ms",
  ]);

  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const aborted = await failure(
    passes(hangingFetch).detectEntities(PAGE, { signal: controller.signal }),
  );
  assertEquals([aborted.kind, aborted.message], ["transient", "openai: aborted by the caller"]);

  const network = await failure(passes(failingFetch).detectEntities(PAGE));
  assertEquals([network.kind, network.message, network.usage], [
    "transient",
    "openai: network error",
    null,
  ]);
});
