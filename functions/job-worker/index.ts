// The job worker: pg_cron (through pg_net) and its own chained invocations call it with the
// service credential; each invocation processes documents step by step within its budget.
import { createWorkerHandler } from "../_shared/worker/handler.ts";
import { workerDeps } from "./deps.ts";

Deno.serve(createWorkerHandler(workerDeps(Deno.env.toObject())));
