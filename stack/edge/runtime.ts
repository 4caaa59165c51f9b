// A local Edge Runtime: each invocation runs in a Web Worker (an isolate of its own), is
// given a wall-clock budget that covers the response and its EdgeRuntime.waitUntil tasks,
// and is terminated when the budget runs out, as the hosted runtime shuts a worker down.
// Warm workers are reused, so module-level state survives between invocations as it
// does on a warm hosted isolate.

import type { FunctionSpec } from "./registry.ts";
import type { FromWorker, ToWorker } from "./protocol.ts";

export interface RuntimeOptions {
  /** Wall-clock limit of one invocation of `name`, in ms. */
  wallClockMs: (name: string) => number;
  /** Warm workers kept per function once their invocation is done. */
  maxIdlePerFunction?: number;
  /** Invocations of one function running at once; more wait for a worker. */
  maxConcurrentPerFunction?: number;
  /** How long a new worker may take to load its code, in ms (default BOOT_LIMIT_MS). */
  bootLimitMs?: number;
  log?: (line: string) => void;
}

/** The hosted runtime's error answers: JSON with a code, and the `sb-error-code` header. */
export function runtimeError(status: number, code: string, message: string): Response {
  return Response.json({ code, message }, { status, headers: { "sb-error-code": code } });
}

type Listener = (event: FromWorker | { type: "crash"; message: string }) => void;

class Instance {
  readonly worker: Worker;
  ready = false;
  dead = false;
  listener: Listener = () => {};

  constructor(readonly spec: FunctionSpec) {
    this.worker = new Worker(new URL("./worker_host.ts", import.meta.url), {
      type: "module",
      name: spec.name,
    });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => {
      if (e.data.type === "booted") this.ready = true;
      this.listener(e.data);
    };
    // An uncaught error or unhandled rejection ends this isolate, never the runtime.
    this.worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.dead = true;
      this.listener({ type: "crash", message: e.message });
    };
    this.send({ type: "boot", entrypoint: spec.entrypoint });
  }

  send(message: ToWorker, transfer: Transferable[] = []) {
    this.worker.postMessage(message, transfer);
  }

  terminate() {
    this.dead = true;
    this.worker.terminate();
  }
}

/** A worker that has not loaded its code by then is not going to. */
export const BOOT_LIMIT_MS = 60_000;

export class EdgeRuntime {
  private readonly idle = new Map<string, Instance[]>();
  private readonly running = new Map<string, number>();
  private readonly waiting = new Map<string, Array<() => void>>();
  private readonly live = new Set<Instance>();
  private readonly invocationCounts = new Map<string, number>();
  private readonly log: (line: string) => void;

  constructor(private readonly options: RuntimeOptions) {
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Runs one invocation of `spec`; `url` is what the function sees as `req.url`. */
  async invoke(spec: FunctionSpec, req: Request, url: string): Promise<Response> {
    const body = req.method === "GET" || req.method === "HEAD" ? null : await req.arrayBuffer();
    this.invocationCounts.set(spec.name, (this.invocationCounts.get(spec.name) ?? 0) + 1);
    await this.slot(spec.name);
    const instance = this.takeIdle(spec.name) ?? this.spawn(spec);
    const limitMs = this.options.wallClockMs(spec.name);
    const started = Date.now();

    return new Promise<Response>((resolve) => {
      let answered = false;
      let finished = false;
      const answer = (response: Response) => {
        if (!answered) {
          answered = true;
          resolve(response);
        }
      };
      const finish = (keepWarm: boolean) => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        instance.listener = () => {};
        if (keepWarm && !instance.dead) this.park(instance);
        else this.discard(instance);
        this.release(spec.name);
      };
      const sendRequest = () => {
        // Hosted functions boot from a pre-built bundle in milliseconds; a local Worker
        // compiles its module graph first, which takes seconds on a busy machine (and,
        // counted against a short wall clock, can kill every invocation before it starts).
        // So the wall clock starts when the request reaches the booted worker; the boot has
        // its own limit.
        clearTimeout(timer);
        timer = setTimeout(onWallClock, limitMs);
        const message: ToWorker = {
          type: "request",
          method: req.method,
          url,
          headers: [...req.headers],
          body,
        };
        instance.send(message, body ? [body] : []);
      };

      const onWallClock = () => {
        this.log(
          `[${spec.name}] wall clock limit of ${limitMs} ms reached: worker shut down` +
            (answered ? " (its response had been sent; background work killed)" : ""),
        );
        finish(false);
        answer(runtimeError(
          546,
          "WORKER_LIMIT",
          `Function ${spec.name} was shut down: wall clock limit of ${limitMs} ms reached`,
        ));
      };
      const bootLimitMs = this.options.bootLimitMs ?? BOOT_LIMIT_MS;
      let timer = setTimeout(() => {
        this.log(`[${spec.name}] did not boot within ${bootLimitMs} ms: worker shut down`);
        finish(false);
        answer(runtimeError(503, "BOOT_ERROR", `Function ${spec.name} did not start within ${bootLimitMs} ms`));
      }, bootLimitMs);

      instance.listener = (event) => {
        switch (event.type) {
          case "booted":
            sendRequest();
            break;
          case "boot_error":
            this.log(`[${spec.name}] failed to boot: ${event.message}`);
            finish(false);
            answer(runtimeError(503, "BOOT_ERROR", `Function ${spec.name} failed to start (see the gateway log)`));
            break;
          case "response":
            answer(new Response(nullBodyStatus(event.status) ? null : event.body, {
              status: event.status,
              statusText: event.statusText,
              headers: event.headers,
            }));
            break;
          case "handler_error":
            answer(runtimeError(500, "WORKER_ERROR", "Function exited due to an error (please check logs)"));
            break;
          case "done":
            this.log(`[${spec.name}] ${req.method} ${new URL(url).pathname} done in ${Date.now() - started} ms`);
            finish(true);
            break;
          case "crash":
            this.log(`[${spec.name}] worker crashed: ${event.message}`);
            finish(false);
            answer(runtimeError(500, "WORKER_ERROR", "Function exited due to an error (please check logs)"));
            break;
        }
      };
      if (instance.ready) sendRequest();
    });
  }

  /** Terminates every worker (gateway shutdown). */
  shutdown() {
    for (const instance of this.live) instance.terminate();
    this.live.clear();
    this.idle.clear();
  }

  /** Live workers, busy or warm: for tests and the health endpoint. */
  get workerCount(): number {
    return this.live.size;
  }

  /** Invocations per function since the gateway started (the demo reports them). */
  get invocations(): Record<string, number> {
    return Object.fromEntries(this.invocationCounts);
  }

  private spawn(spec: FunctionSpec): Instance {
    const instance = new Instance(spec);
    this.live.add(instance);
    return instance;
  }

  private park(instance: Instance) {
    const list = this.idle.get(instance.spec.name) ?? [];
    if (list.length >= (this.options.maxIdlePerFunction ?? 4)) return this.discard(instance);
    list.push(instance);
    this.idle.set(instance.spec.name, list);
    // A warm worker can still die, e.g. from a rejection its last invocation left behind.
    instance.listener = (event) => {
      if (event.type !== "crash") return;
      this.log(`[${instance.spec.name}] idle worker crashed: ${event.message}`);
      this.idle.set(instance.spec.name, list.filter((i) => i !== instance));
      this.discard(instance);
    };
  }

  private takeIdle(name: string): Instance | undefined {
    const list = this.idle.get(name) ?? [];
    let instance = list.pop();
    while (instance?.dead) instance = list.pop();
    return instance;
  }

  private discard(instance: Instance) {
    instance.terminate();
    this.live.delete(instance);
  }

  private async slot(name: string) {
    const max = this.options.maxConcurrentPerFunction ?? 32;
    while ((this.running.get(name) ?? 0) >= max) {
      await new Promise<void>((resolve) => {
        const queue = this.waiting.get(name) ?? [];
        queue.push(resolve);
        this.waiting.set(name, queue);
      });
    }
    this.running.set(name, (this.running.get(name) ?? 0) + 1);
  }

  private release(name: string) {
    this.running.set(name, (this.running.get(name) ?? 1) - 1);
    this.waiting.get(name)?.shift()?.();
  }
}

function nullBodyStatus(status: number): boolean {
  return status === 101 || status === 204 || status === 205 || status === 304;
}
