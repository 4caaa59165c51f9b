// withCapacity, the one wrapper around every provider call: acquire, call, release with the
// usage the provider reported (also when the call failed), and no call at all without a slot.

import { assertEquals, assertRejects, assertStrictEquals } from "@std/assert";
import { ProviderError, usageOf } from "../../functions/_shared/providers/errors.ts";
import { NoCapacityError, withCapacity } from "../../functions/_shared/worker/capacity.ts";
import { createMockDeps } from "../support/worker_deps.ts";

const KEY = { provider_name: "openai", api_endpoint: "gpt-4o-mini" };

function setup(options: Parameters<typeof createMockDeps>[0] = {}) {
  const events: string[] = [];
  const mock = createMockDeps({ ...options, onRpc: (call) => events.push(call.name) });
  const scope = { rpc: mock.deps.rpc, jobId: "job-1", workerId: "worker-1", log: mock.deps.log };
  return { ...mock, events, scope };
}

Deno.test("acquire with the estimate, then the call, then release with the tokens the provider reported", async () => {
  const { scope, events, rpcCalls } = setup({ rpcs: { acquire_api_capacity: () => "lease-7" } });
  const result = await withCapacity(scope, KEY, 2500, () => {
    events.push("call");
    return Promise.resolve({ output: "x", usage: usageOf(1, 300, 45) });
  });
  assertEquals(result.output, "x");
  assertEquals(events, ["acquire_api_capacity", "call", "release_api_capacity"]);
  assertEquals(rpcCalls[0].args, {
    p_provider_name: "openai",
    p_api_endpoint: "gpt-4o-mini",
    p_estimated_tokens: 2500,
    p_job_id: "job-1",
    p_worker_id: "worker-1",
  });
  assertEquals(rpcCalls[1].args, { p_lease_id: "lease-7", p_actual_tokens: 345 });
});

Deno.test("a failed call still releases its slot, with what the failure reported it used, and its error goes on unchanged", async () => {
  const { scope, events, rpcCalls } = setup({ rpcs: { acquire_api_capacity: () => "lease-8" } });
  const invalid = new ProviderError({
    kind: "permanent",
    provider: "openai",
    message: "invalid answer",
    usage: usageOf(1, 200, 50),
  });
  const thrown = await assertRejects(() =>
    withCapacity(scope, KEY, 1000, () => {
      events.push("call");
      return Promise.reject(invalid);
    })
  );
  assertStrictEquals(thrown, invalid);
  assertEquals(events, ["acquire_api_capacity", "call", "release_api_capacity"]);
  assertEquals(rpcCalls[1].args, { p_lease_id: "lease-8", p_actual_tokens: 250 });
});

Deno.test("a call that got no answer releases with null tokens (the estimate stands)", async () => {
  const { scope, rpcCalls } = setup();
  const timeout = new ProviderError({
    kind: "transient",
    provider: "openai",
    message: "no answer within 1000 ms",
    usage: null,
  });
  await assertRejects(() => withCapacity(scope, KEY, 1000, () => Promise.reject(timeout)));
  assertEquals(rpcCalls.map((c) => c.name), ["acquire_api_capacity", "release_api_capacity"]);
  assertEquals(rpcCalls[1].args.p_actual_tokens, null);
});

Deno.test("no capacity (null lease): NoCapacityError naming the row, no provider call, nothing to release", async () => {
  const { scope, events } = setup({ rpcs: { acquire_api_capacity: () => null } });
  const error = await assertRejects(
    () =>
      withCapacity(scope, KEY, 1000, () => {
        events.push("call");
        return Promise.resolve({ usage: usageOf(1) });
      }),
    NoCapacityError,
    "no capacity for openai:gpt-4o-mini",
  );
  assertEquals(error.key, KEY);
  assertEquals(events, ["acquire_api_capacity"]);
});

Deno.test("a release that fails neither loses the result nor hides it; it is logged", async () => {
  const { scope, logs } = setup({
    rpcs: { release_api_capacity: () => Promise.reject(new Error("connection reset")) },
  });
  const result = await withCapacity(
    scope,
    KEY,
    10,
    () => Promise.resolve({ output: 1, usage: usageOf(1) }),
  );
  assertEquals(result.output, 1);
  assertEquals(logs, [{
    event: "release_api_capacity_failed",
    job_id: "job-1",
    error: "connection reset",
  }]);
});
