// Runs inside one Web Worker: the isolate of one function instance, as the hosted Edge
// Runtime gives each function. It provides what the hosted runtime provides
// (`Deno.serve` capturing the handler, `EdgeRuntime.waitUntil`), loads the function's
// module, and serves one request at a time for the runtime in the parent.

/// <reference lib="deno.worker" />

import type { FromWorker, ToWorker } from "./protocol.ts";

type Handler = (req: Request, info?: unknown) => Response | Promise<Response>;

let handler: Handler | undefined;
const backgroundTasks = new Set<Promise<unknown>>();

function post(message: FromWorker, transfer: Transferable[] = []) {
  self.postMessage(message, transfer);
}

Object.defineProperty(globalThis, "EdgeRuntime", {
  value: Object.freeze({
    waitUntil(promise: Promise<unknown>) {
      const tracked = Promise.resolve(promise).catch((error) => {
        console.error("EdgeRuntime.waitUntil task failed:", error);
      }).finally(() => backgroundTasks.delete(tracked));
      backgroundTasks.add(tracked);
    },
  }),
});

// The hosted runtime owns the socket; a function only hands over its handler.
(Deno as unknown as { serve: unknown }).serve = (...args: unknown[]) => {
  const fn = args.find((a) => typeof a === "function") ??
    (args[0] as { handler?: Handler } | undefined)?.handler;
  if (typeof fn !== "function") throw new TypeError("Deno.serve needs a handler");
  handler = fn as Handler;
  return {
    finished: new Promise(() => {}),
    addr: { transport: "tcp", hostname: "127.0.0.1", port: 0 },
    shutdown: () => Promise.resolve(),
    ref() {},
    unref() {},
  };
};

async function boot(entrypoint: string) {
  try {
    const mod = await import(entrypoint);
    if (!handler && typeof mod.default?.fetch === "function") handler = mod.default.fetch.bind(mod.default);
    if (!handler) throw new Error("the function neither calls Deno.serve nor exports default { fetch }");
    post({ type: "booted" });
  } catch (error) {
    post({ type: "boot_error", message: error instanceof Error ? error.stack ?? error.message : String(error) });
  }
}

async function serve(message: Extract<ToWorker, { type: "request" }>) {
  const request = new Request(message.url, {
    method: message.method,
    headers: message.headers,
    body: message.body,
  });
  try {
    const response = await handler!(request);
    const body = await response.arrayBuffer();
    post({
      type: "response",
      status: response.status,
      statusText: response.statusText,
      headers: [...response.headers],
      body,
    }, [body]);
  } catch (error) {
    console.error(error);
    post({ type: "handler_error", message: error instanceof Error ? error.message : String(error) });
  }
  // The invocation lasts until its background tasks settle, including ones they start.
  while (backgroundTasks.size > 0) await Promise.allSettled([...backgroundTasks]);
  post({ type: "done" });
}

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === "boot") boot(message.entrypoint);
  else if (message.type === "request") serve(message);
};
