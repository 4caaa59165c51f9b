// The job-worker's dependencies: the shared service-role builder, hosted by the Edge Runtime
// (a spent budget chains a new invocation; the work outlives the response via waitUntil).

import type { WorkerDeps } from "../_shared/worker/deps.ts";
import { serviceWorkerDeps } from "../_shared/worker/service_deps.ts";

declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void };

export function workerDeps(env: Record<string, string | undefined>): WorkerDeps {
  return serviceWorkerDeps(env, {
    chain: true,
    waitUntil: (work) => EdgeRuntime.waitUntil(work),
  });
}
