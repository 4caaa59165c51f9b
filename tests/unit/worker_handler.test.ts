// The job-worker's HTTP handler: only POST with the service credential starts anything; the
// answer is 202 at once with the invocation's worker id, and the run goes to waitUntil.

import { assertEquals } from "@std/assert";
import { createWorkerHandler } from "../../functions/_shared/worker/handler.ts";
import { createMockDeps, SERVICE_KEY } from "../support/worker_deps.ts";

const URL_ = "http://supabase.test/functions/v1/job-worker";
const post = (headers: Record<string, string> = {}) =>
  new Request(URL_, { method: "POST", headers, body: JSON.stringify({ source: "cron" }) });

Deno.test("no credential: 401 JSON, and nothing runs", async () => {
  const mock = createMockDeps();
  const response = await createWorkerHandler(mock.deps)(post());
  assertEquals(response.status, 401);
  assertEquals((await response.json()).error.code, "unauthorized");
  assertEquals([mock.rpcCalls, mock.waited], [[], []]);
});

Deno.test("a credential that is not the service key (e.g. the anon key): 403 JSON, and nothing runs", async () => {
  const mock = createMockDeps();
  for (const token of ["anon-key", `${SERVICE_KEY}x`, SERVICE_KEY.slice(1)]) {
    const response = await createWorkerHandler(mock.deps)(
      post({ authorization: `Bearer ${token}` }),
    );
    assertEquals(response.status, 403, token);
    assertEquals((await response.json()).error.code, "forbidden");
  }
  assertEquals([mock.rpcCalls, mock.waited], [[], []]);
});

Deno.test("only POST: 405 otherwise, even with the service key", async () => {
  const mock = createMockDeps();
  const response = await createWorkerHandler(mock.deps)(
    new Request(URL_, { headers: { authorization: `Bearer ${SERVICE_KEY}` } }),
  );
  assertEquals(response.status, 405);
  await response.body?.cancel();
  assertEquals([mock.rpcCalls, mock.waited], [[], []]);
});

Deno.test("the service key: 202 with the worker id at once; the invocation runs under waitUntil and logs its summary", async () => {
  let release!: () => void;
  const mock = createMockDeps({
    rpcs: {
      // The claim waits until the test lets it: the answer must not wait for the work.
      claim_next_job_v3: () => new Promise((resolve) => (release = () => resolve([]))),
    },
  });
  const response = await createWorkerHandler(mock.deps)(
    post({ authorization: `Bearer ${SERVICE_KEY}` }),
  );
  assertEquals(response.status, 202);
  assertEquals(await response.json(), { accepted: true, worker_id: "worker-1" });
  assertEquals(mock.waited.length, 1);
  assertEquals(mock.rpcCalls, [{
    name: "claim_next_job_v3",
    args: { worker_id: "worker-1", job_types: ["shell_file_processing"] },
  }]);
  release();
  await mock.waited[0];
  assertEquals(mock.logs, [{
    event: "invocation",
    worker_id: "worker-1",
    jobs: [],
    steps: 0,
    outcome: "idle",
  }]);
});
