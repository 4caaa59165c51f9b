// What the provider stand-ins share: an HTTP server on loopback with knobs that inject the
// failures real providers have (latency, 429 with or without Retry-After, 500, a request
// held past the client's timeout, malformed output, a per-minute request limit) and counters that
// tests read to prove our rate limits held (requests per minute, tokens, peak
// concurrency, 429s sent). Knobs and counters are also reachable over HTTP, so a test can
// drive a stand-in that runs as a separate process:
//
//   GET  /_control/counters      the counters
//   GET  /_control/knobs         the knobs
//   POST /_control/knobs         change some knobs: a JSON object of Knobs fields
//   POST /_control/reset         counters to zero, knobs back to their start values
//
// Each failure knob counts down: `fail429: 2` fails the next two requests. Decisions are
// taken when a request arrives, in arrival order; latency applies to every answer.

import { z } from "zod";

export type MalformedMode = "invalid_json" | "schema";

export interface Knobs {
  /** Added before every answer. */
  latencyMs: number;
  /** The next N requests get 429. */
  fail429: number;
  /** Retry-After on those 429s; null sends none. */
  retryAfterSeconds: number | null;
  /** The next N requests get 500. */
  fail500: number;
  /** The next N requests get no answer for hangMs (then a 500 nobody waits for). */
  hang: number;
  /**
   * How long a hung request is held (close() releases it sooner). A client that gave up is
   * not noticed (Deno's fetch can keep an aborted request's connection open), so a hung
   * request counts as concurrent until then, as it would at a real provider.
   */
  hangMs: number;
  /** The next N answers are 200 with broken output. */
  malformed: number;
  /** invalid_json: not JSON at all; schema: JSON, but not the agreed shape. */
  malformedMode: MalformedMode;
  /** Requests allowed per clock minute; beyond it 429 with Retry-After to the next minute. null: no limit. */
  requestsPerMinute: number | null;
}

const DEFAULT_KNOBS: Knobs = {
  latencyMs: 0,
  fail429: 0,
  retryAfterSeconds: null,
  fail500: 0,
  hang: 0,
  hangMs: 60_000,
  malformed: 0,
  malformedMode: "invalid_json",
  requestsPerMinute: null,
};

const count = z.number().int().min(0);
const KnobsPatch = z.object({
  latencyMs: count,
  fail429: count,
  retryAfterSeconds: count.nullable(),
  fail500: count,
  hang: count,
  hangMs: count,
  malformed: count,
  malformedMode: z.enum(["invalid_json", "schema"]),
  requestsPerMinute: z.number().int().min(1).nullable(),
}).partial().strict();

export interface Counters {
  /** API requests received (control requests are not counted). */
  requests: number;
  requestsThisMinute: number;
  peakRequestsPerMinute: number;
  promptTokens: number;
  completionTokens: number;
  /** Requests being handled right now. */
  concurrent: number;
  peakConcurrent: number;
  /** 429s sent, injected or for the per-minute limit. */
  rateLimited: number;
  serverErrors: number;
  hung: number;
  malformed: number;
}

function zeroCounters(): Counters {
  return {
    requests: 0,
    requestsThisMinute: 0,
    peakRequestsPerMinute: 0,
    promptTokens: 0,
    completionTokens: 0,
    concurrent: 0,
    peakConcurrent: 0,
    rateLimited: 0,
    serverErrors: 0,
    hung: 0,
    malformed: 0,
  };
}

export interface Reply {
  status: number;
  /** Sent as JSON; a string is sent as it is (for output that must not be JSON). */
  body: unknown;
  promptTokens?: number;
  completionTokens?: number;
  /** A word for the log line (e.g. the pass); never document text. */
  note?: string;
}

/** One provider's API, behind the shared knobs. */
export interface StandInApi {
  name: string;
  /** Answers one API request; `malformed` asks for a broken 200 answer of that kind. */
  answer(req: Request, url: URL, malformed: MalformedMode | null): Promise<Reply>;
  /** The provider's error body for an injected 429 or 500. */
  errorBody(status: 429 | 500, message: string): unknown;
}

export interface StandInOptions {
  /** 0 (default): any free port. */
  port?: number;
  knobs?: Partial<Knobs>;
  /** The clock of the per-minute window. */
  now?: () => number;
  /** One line per request. */
  log?: (line: string) => void;
}

export interface StandIn {
  /** http://127.0.0.1:<port> */
  url: string;
  /** A snapshot. */
  readonly counters: Counters;
  readonly knobs: Knobs;
  setKnobs(patch: Partial<Knobs>): Knobs;
  reset(): void;
  close(): Promise<void>;
}

type Fault = "per_minute" | "429" | "500" | "hang" | "malformed" | null;

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** Resolves after ms, or as soon as the signal aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
  });
}

export function serveStandIn(api: StandInApi, options: StandInOptions = {}): StandIn {
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const startKnobs: Knobs = { ...DEFAULT_KNOBS, ...KnobsPatch.parse(options.knobs ?? {}) };
  let knobs: Knobs = { ...startKnobs };
  let counters = zeroCounters();
  let minute = Math.floor(now() / 60_000);
  const closing = new AbortController();

  /** Requests in flight stay counted as concurrent, so their end cannot go below zero. */
  function reset() {
    const concurrent = counters.concurrent;
    counters = { ...zeroCounters(), concurrent, peakConcurrent: concurrent };
    knobs = { ...startKnobs };
  }

  function setKnobs(patch: Partial<Knobs>): Knobs {
    knobs = { ...knobs, ...KnobsPatch.parse(patch) };
    return { ...knobs };
  }

  /** Counts an arriving request and decides its fate, in arrival order. */
  function arrive(): { fault: Fault; retryAfter: number | null } {
    const t = now();
    const m = Math.floor(t / 60_000);
    if (m !== minute) {
      minute = m;
      counters.requestsThisMinute = 0;
    }
    counters.requests++;
    counters.requestsThisMinute++;
    counters.peakRequestsPerMinute = Math.max(
      counters.peakRequestsPerMinute,
      counters.requestsThisMinute,
    );
    if (knobs.requestsPerMinute !== null && counters.requestsThisMinute > knobs.requestsPerMinute) {
      return {
        fault: "per_minute",
        retryAfter: Math.max(1, Math.ceil(((m + 1) * 60_000 - t) / 1000)),
      };
    }
    if (knobs.fail429 > 0) {
      knobs.fail429--;
      return { fault: "429", retryAfter: knobs.retryAfterSeconds };
    }
    if (knobs.fail500 > 0) {
      knobs.fail500--;
      return { fault: "500", retryAfter: null };
    }
    if (knobs.hang > 0) {
      knobs.hang--;
      return { fault: "hang", retryAfter: null };
    }
    if (knobs.malformed > 0) {
      knobs.malformed--;
      return { fault: "malformed", retryAfter: null };
    }
    return { fault: null, retryAfter: null };
  }

  async function handleApi(req: Request, url: URL): Promise<{ response: Response; note: string }> {
    const { fault, retryAfter } = arrive();
    const malformedMode = knobs.malformedMode;
    await sleep(knobs.latencyMs, closing.signal);
    if (fault === "per_minute" || fault === "429") {
      counters.rateLimited++;
      const message = fault === "per_minute"
        ? `stand-in limit of ${knobs.requestsPerMinute} requests per minute exceeded`
        : "stand-in: injected 429";
      const headers: Record<string, string> = retryAfter === null
        ? {}
        : { "retry-after": String(retryAfter) };
      return { response: json(api.errorBody(429, message), 429, headers), note: fault };
    }
    if (fault === "500") {
      counters.serverErrors++;
      return { response: json(api.errorBody(500, "stand-in: injected 500"), 500), note: "500" };
    }
    if (fault === "hang") {
      counters.hung++;
      await sleep(knobs.hangMs, closing.signal);
      return { response: json(api.errorBody(500, "stand-in: hung"), 500), note: "hung" };
    }
    if (fault === "malformed") counters.malformed++;
    const reply = await api.answer(req, url, fault === "malformed" ? malformedMode : null);
    counters.promptTokens += reply.promptTokens ?? 0;
    counters.completionTokens += reply.completionTokens ?? 0;
    const note = [reply.note, fault === "malformed" ? `malformed ${malformedMode}` : null]
      .filter(Boolean).join(", ");
    return { response: json(reply.body, reply.status), note };
  }

  async function handleControl(req: Request, url: URL): Promise<Response> {
    const route = `${req.method} ${url.pathname}`;
    if (route === "GET /_control/counters") return json(counters);
    if (route === "GET /_control/knobs") return json(knobs);
    if (route === "POST /_control/reset") {
      reset();
      return json({ counters, knobs });
    }
    if (route === "POST /_control/knobs") {
      let body: unknown;
      try {
        body = await req.json();
      } catch {
        return json({ error: "the body must be a JSON object of knobs" }, 400);
      }
      const parsed = KnobsPatch.safeParse(body);
      if (!parsed.success) {
        const fields = parsed.error.issues.map((i) => i.path.join(".") || "(root)").join(", ");
        return json({ error: `invalid knobs: ${fields}`, knobs: Object.keys(DEFAULT_KNOBS) }, 400);
      }
      return json(setKnobs(parsed.data));
    }
    return json({ error: `no control route ${route}` }, 404);
  }

  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: options.port ?? 0,
    signal: closing.signal,
    onListen: () => {},
  }, async (req) => {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/_control/")) return handleControl(req, url);
    const started = performance.now();
    counters.concurrent++;
    counters.peakConcurrent = Math.max(counters.peakConcurrent, counters.concurrent);
    let status = 500;
    let note = "";
    try {
      const handled = await handleApi(req, url);
      status = handled.response.status;
      note = handled.note;
      return handled.response;
    } catch (error) {
      note = `stand-in error: ${(error as Error).name}`;
      return json(api.errorBody(500, "stand-in internal error"), 500);
    } finally {
      counters.concurrent--;
      // The path only: the query may hold an API key.
      const ms = Math.round(performance.now() - started);
      log(
        `${api.name} ${req.method} ${url.pathname} -> ${status} ${ms} ms${
          note ? ` (${note})` : ""
        }`,
      );
    }
  });

  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    get counters() {
      return { ...counters };
    },
    get knobs() {
      return { ...knobs };
    },
    setKnobs,
    reset,
    async close() {
      closing.abort(); // releases hung requests and pending latency, then stops listening
      await server.finished;
    },
  };
}

/**
 * Runs a stand-in as a process (the stack starts them this way): port and key from
 * `<PREFIX>_PORT` / `<PREFIX>_API_KEY`, one timestamped log line per request, exit on SIGTERM.
 */
export function runStandInProcess(
  label: string,
  envPrefix: string,
  start: (options: { port: number; apiKey?: string; log: (line: string) => void }) => StandIn,
) {
  const port = Number(Deno.env.get(`${envPrefix}_PORT`) ?? "0");
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${label}: ${envPrefix}_PORT must be a port number`);
    Deno.exit(1);
  }
  const standIn = start({
    port,
    apiKey: Deno.env.get(`${envPrefix}_API_KEY`) || undefined,
    log: (line) => console.log(`${new Date().toISOString()} ${line}`),
  });
  console.log(`${new Date().toISOString()} ${label} listening on ${standIn.url}`);
  const stop = () => standIn.close().then(() => Deno.exit(0));
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
