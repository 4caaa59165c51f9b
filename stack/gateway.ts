// The gateway process: one loopback port in front of PostgREST, the Storage stand-in and
// the local Edge Runtime. Started by `stack start`; configured by the same STACK_* env.

import postgres from "postgres";
import { loadConfig, repoRoot, wallClockFor } from "./config.ts";
import { readSecrets, socketConnection } from "./instance.ts";
import { loadFunctions } from "./edge/registry.ts";
import { EdgeRuntime } from "./edge/runtime.ts";
import { FaultRules } from "./faults.ts";
import { createGatewayHandler } from "./gateway_handler.ts";
import { createStorageHandler } from "./storage/handler.ts";

const config = loadConfig(repoRoot());
const secrets = readSecrets(config);
const functions = loadFunctions(config.root, config.extraFunctionDirs);
// All local workers share this machine (hosted, each runs apart): past a few per core, more
// at once only slow every one of them down until their wall clocks kill them all.
const runtime = new EdgeRuntime({
  wallClockMs: (name) => wallClockFor(config, name),
  maxConcurrentPerFunction: 4 * navigator.hardwareConcurrency,
});
const storageSql = postgres({ ...socketConnection(config, "supabase_storage_admin"), max: 10, onnotice: () => {} });

const handler = createGatewayHandler({
  postgrestUrl: `http://127.0.0.1:${config.ports.postgrest}`,
  jwtSecret: secrets.jwtSecret,
  functions,
  invokeFunction: (spec, req, url) => runtime.invoke(spec, req, url),
  storage: createStorageHandler({ sql: storageSql, storageDir: config.storageDir, jwtSecret: secrets.jwtSecret }),
  health: () => ({ functions: [...functions.keys()], workers: runtime.workerCount, invocations: runtime.invocations }),
  faults: new FaultRules(),
});

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: config.ports.gateway,
  onListen: ({ port }) =>
    console.log(`gateway on 127.0.0.1:${port}; functions: ${[...functions.keys()].join(", ") || "none"}`),
  onError: (error) => {
    console.error("gateway error:", error);
    return Response.json({ message: "gateway error; see the gateway log" }, { status: 502 });
  },
}, handler);

Deno.addSignalListener("SIGTERM", async () => {
  runtime.shutdown();
  await server.shutdown();
  await storageSql.end({ timeout: 1 });
  Deno.exit(0);
});
