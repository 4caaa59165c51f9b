// The soak's fault plan (scripts/lib/fault_plan.ts): replayable from its seed, every kill
// point and every provider fault kind present, rules the gateway accepts.
import { assert, assertEquals, assertNotEquals } from "@std/assert";
import { faultPlan, seededRandom } from "../../scripts/lib/fault_plan.ts";
import { FaultRules } from "../../stack/faults.ts";

const plan = (seed: number, documents = 200) =>
  faultPlan({ documents, random: seededRandom(seed), aiTimeoutMs: 2000 });

Deno.test("the same seed gives the same plan; another seed another order", () => {
  assertEquals(plan(42), plan(42));
  assertNotEquals(plan(42).providerFaults, plan(43).providerFaults);
});

Deno.test("every kill point and every provider fault kind is in the plan, however small the run", () => {
  for (const documents of [1, 12, 200]) {
    const p = plan(7, documents);
    const rpcs = p.kills.map((k) => k.path);
    for (const rpc of ["record_document_inspection", "acquire_api_capacity", "record_page_entities", "finish_shell_file_job"]) {
      assert(rpcs.includes(`^/rest/v1/rpc/${rpc}$`), `${rpc} at ${documents}`);
    }
    assert(p.kills.some((k) => k.bodyIncludes === '"source":"chain"'), "a lost chain");
    const kinds = new Set(p.providerFaults.map((f) => f.label));
    for (const kind of ["429 with Retry-After", "429 without Retry-After", "500", "timeout", "malformed (not JSON)", "malformed (wrong shape)", "OCR 500"]) {
      assert(kinds.has(kind), `${kind} at ${documents}`);
    }
    assert(p.kills.every((k) => k.times! >= 1 && k.probability! > 0 && k.probability! <= 1));
  }
  assertEquals(plan(7, 200).providerFaults.length, 40, "one provider fault per 5 documents");
});

Deno.test("the timeout outlasts the worker's AI timeout, and the gateway accepts every kill rule", () => {
  const p = plan(1);
  const timeout = p.providerFaults.find((f) => f.label === "timeout")!;
  assert((timeout.knobs.hangMs as number) > 2000);
  const rules = new FaultRules();
  assertEquals(rules.add(p.kills.map(({ label: _label, ...rule }) => rule)).length, p.kills.length);
});

Deno.test("seededRandom stays in [0, 1)", () => {
  const random = seededRandom(123);
  for (let i = 0; i < 10_000; i++) {
    const x = random();
    assert(x >= 0 && x < 1, String(x));
  }
});
