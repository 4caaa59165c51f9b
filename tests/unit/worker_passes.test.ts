// The AI steps and finish: each reads what the earlier steps recorded, makes its one provider
// call inside acquire/release, and ends with its record_* RPC carrying the provider's output,
// the model and the tokens the provider reported. Finish reports no usage: the database
// counts what the record_* RPCs recorded.

import { assertEquals, assertRejects } from "@std/assert";
import { usageOf } from "../../functions/_shared/providers/errors.ts";
import type { ClinicalItem, Entity } from "../../functions/_shared/providers/types.ts";
import { finish } from "../../functions/_shared/worker/finish.ts";
import { narrative } from "../../functions/_shared/worker/narrative.ts";
import { pass1 } from "../../functions/_shared/worker/pass1.ts";
import { pass2 } from "../../functions/_shared/worker/pass2.ts";
import { createMockDeps, stepContext } from "../support/worker_deps.ts";

const FENCE = { p_job_id: "job-1", p_worker_id: "worker-1" };
const ENTITY: Entity = { type: "medication", text: "Metformin 500 mg", confidence: 0.9 };
const ITEM: ClinicalItem = {
  category: "medication",
  label: "Metformin",
  details: { dose: "500 mg" },
  confidence: 0.9,
};
const USAGE = usageOf(1, 120, 30);
const ACQUIRE_AI = {
  p_provider_name: "openai",
  p_api_endpoint: "gpt-4o-mini",
  ...FENCE,
};

function withPages(options: Parameters<typeof createMockDeps>[0] = {}) {
  const mock = createMockDeps({ providers: { usage: USAGE }, ...options });
  mock.db.pages.set(1, { source: "pdf_text_layer", text: "Diagnosis: diabetes", provider: null });
  mock.db.pages.set(2, { source: "ocr", text: "Metformin 500 mg", provider: "fake_ocr" });
  mock.db.pages.set(3, { source: "ocr", text: "  \n ", provider: "fake_ocr" });
  return mock;
}

Deno.test("pass 1: the page's recorded text goes to detectEntities; the entities, model and tokens are recorded", async () => {
  const mock = withPages({ providers: { usage: USAGE, entities: () => [ENTITY] } });
  const result = await pass1(stepContext(mock.deps), 2);
  assertEquals(mock.providerCalls, [{
    method: "detectEntities",
    input: { pageNumber: 2, text: "Metformin 500 mg" },
  }]);
  assertEquals(mock.names(), [
    "acquire_api_capacity",
    "release_api_capacity",
    "record_page_entities",
  ]);
  assertEquals(mock.rpcCalls[0].args, { ...ACQUIRE_AI, p_estimated_tokens: 1004 });
  assertEquals(mock.rpcCalls[1].args.p_actual_tokens, 150);
  assertEquals(mock.rpcCalls[2].args, {
    ...FENCE,
    p_page_number: 2,
    p_entities: [ENTITY],
    p_model: "test-model",
    p_tokens_used: 150,
  });
  assertEquals(result, { recorded: true, progress: { pass1_done: 2 } });
});

Deno.test("pass 1 and pass 2 on a blank page: recorded empty, with no provider call and no capacity taken", async () => {
  const mock = withPages();
  mock.db.entities.set(3, []);
  assertEquals(await pass1(stepContext(mock.deps), 3), {
    recorded: true,
    progress: { pass1_done: 3 },
  });
  assertEquals(await pass2(stepContext(mock.deps), 3), {
    recorded: true,
    progress: { pass2_done: 3 },
  });
  assertEquals(mock.providerCalls, []);
  assertEquals(mock.names(), ["record_page_entities", "record_page_extractions"]);
  assertEquals(mock.rpcCalls[0].args.p_entities, []);
  assertEquals(mock.rpcCalls[0].args.p_tokens_used, 0);
  assertEquals(mock.rpcCalls[1].args.p_items, []);
  assertEquals(mock.rpcCalls[1].args.p_tokens_used, 0);
});

Deno.test("pass 2: the page's text with pass 1's entities goes to extractClinical; the items are recorded", async () => {
  const mock = withPages({ providers: { usage: USAGE, items: () => [ITEM] } });
  mock.db.entities.set(2, [ENTITY]);
  const result = await pass2(stepContext(mock.deps), 2);
  assertEquals(mock.providerCalls, [{
    method: "extractClinical",
    input: { pageNumber: 2, text: "Metformin 500 mg", entities: [ENTITY] },
  }]);
  assertEquals(mock.names(), [
    "acquire_api_capacity",
    "release_api_capacity",
    "record_page_extractions",
  ]);
  assertEquals(mock.rpcCalls[1].args.p_actual_tokens, 150);
  assertEquals(mock.rpcCalls[2].args, {
    ...FENCE,
    p_page_number: 2,
    p_items: [ITEM],
    p_model: "test-model",
    p_tokens_used: 150,
  });
  assertEquals(result, { recorded: true, progress: { pass2_done: 2 } });
});

Deno.test("a pass whose input was never recorded fails before any provider call", async () => {
  const mock = createMockDeps();
  await assertRejects(() => pass1(stepContext(mock.deps), 1), Error, "no row for page 1");
  const withText = withPages();
  await assertRejects(() => pass2(stepContext(withText.deps), 1), Error, "no row for page 1");
  assertEquals([...mock.providerCalls, ...withText.providerCalls], []);
  assertEquals([...mock.rpcCalls, ...withText.rpcCalls], []);
});

Deno.test("narrative: every page in order with every item goes to writeNarrative; title and text are recorded", async () => {
  const mock = withPages({
    providers: {
      usage: USAGE,
      narrative: () => ({ title: "Discharge Summary", narrative: "Diabetes, on metformin." }),
    },
  });
  mock.db.items.set(2, [ITEM]);
  mock.db.items.set(1, [{ ...ITEM, category: "condition", label: "Diabetes" }]);
  const result = await narrative(stepContext(mock.deps));
  assertEquals(mock.providerCalls.length, 1);
  const input = mock.providerCalls[0].input as { pages: unknown[]; items: ClinicalItem[] };
  assertEquals(input.pages, [
    { pageNumber: 1, text: "Diagnosis: diabetes" },
    { pageNumber: 2, text: "Metformin 500 mg" },
    { pageNumber: 3, text: "  \n " },
  ]);
  assertEquals(input.items.map((item) => item.label), ["Diabetes", "Metformin"]);
  assertEquals(mock.names(), ["acquire_api_capacity", "release_api_capacity", "record_narrative"]);
  assertEquals(mock.rpcCalls[2].args, {
    ...FENCE,
    p_title: "Discharge Summary",
    p_narrative: "Diabetes, on metformin.",
    p_model: "test-model",
    p_tokens_used: 150,
  });
  assertEquals(result, { recorded: true, progress: { narrative_done: true } });
});

Deno.test("finish: finish_shell_file_job with the fence only (the database counts tokens and seconds), and no reads", async () => {
  const mock = createMockDeps();
  mock.db.tokens = 4321;
  assertEquals(await finish(stepContext(mock.deps)), {
    recorded: true,
    progress: { finished: true },
  });
  assertEquals(mock.rpcCalls, [{ name: "finish_shell_file_job", args: FENCE }]);
});

Deno.test("finish: false from finish_shell_file_job (lease lost) is not recorded", async () => {
  const mock = createMockDeps({ rpcs: { finish_shell_file_job: () => false } });
  assertEquals(await finish(stepContext(mock.deps)), { recorded: false });
});
