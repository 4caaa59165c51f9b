// The job-worker's HTTP face: only the service credential may start an invocation; it is
// answered at once (pg_net's timeout is seconds) while the work runs under waitUntil.

import { validateServiceRoleAuth } from "../auth.ts";
import { errorResponse, json, methodNotAllowed } from "../http.ts";
import type { WorkerDeps } from "./deps.ts";
import { runInvocation } from "./run.ts";

export function createWorkerHandler(deps: WorkerDeps): (req: Request) => Promise<Response> {
  return async (req) => {
    await req.body?.cancel();
    if (req.method !== "POST") return methodNotAllowed();
    const auth = validateServiceRoleAuth(req, deps.settings.serviceRoleKey);
    if (!auth.ok) {
      return errorResponse(
        auth.status,
        auth.status === 401 ? "unauthorized" : "forbidden",
        auth.message,
      );
    }
    const workerId = deps.newWorkerId();
    deps.waitUntil(
      runInvocation(deps, workerId).then((summary) =>
        deps.log({ event: "invocation", ...summary })
      ),
    );
    return json(202, { accepted: true, worker_id: workerId });
  };
}
