// The dispatcher loop against a stand-in store and a stand-in send: batching, waking,
// database outages, response buffering, shutdown. No database, no network.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { Dispatcher, isConnectionError } from "../../stack/net/dispatcher.ts";
import type { QueueRow } from "../../stack/net/request.ts";
import { failureRow, type ResponseRow, responseRow } from "../../stack/net/response.ts";
import { ABANDONED, type Sent } from "../../stack/net/send.ts";
import { DEFAULT_SETTINGS, type NetSettings } from "../../stack/net/settings.ts";
import type { NetStore } from "../../stack/net/store.ts";

const connectionError = () =>
  Object.assign(new Error("connect ENOENT /run/.s.PGSQL.5432"), { code: "ENOENT" });

class FakeStore implements NetStore {
  queue: QueueRow[] = [];
  written: ResponseRow[] = [];
  down = false;
  takes = 0;
  expired: number[] = [];
  closed = false;
  /** Rows whose content the "database" refuses, as PostgreSQL refuses bad text. */
  refuse = new Set<string>();

  #check() {
    if (this.down) throw connectionError();
  }
  take(limit: number) {
    this.#check();
    this.takes++;
    return Promise.resolve(this.queue.splice(0, limit));
  }
  write(rows: ResponseRow[]) {
    this.#check();
    if (rows.some((r) => r.content !== null && this.refuse.has(r.content))) {
      return Promise.reject(Object.assign(new Error("invalid byte sequence"), { code: "22021" }));
    }
    this.written.push(...rows);
    return Promise.resolve();
  }
  expire(ttlSeconds: number) {
    this.#check();
    this.expired.push(ttlSeconds);
    return Promise.resolve(0);
  }
  listen() {
    this.#check();
    return Promise.resolve();
  }
  close() {
    this.closed = true;
    return Promise.resolve();
  }
}

function queued(id: number, content = `response ${id}`): QueueRow {
  return {
    id: String(id),
    method: "GET",
    url: `http://127.0.0.1:9/${content}`,
    headers: {},
    body: null,
    timeout_milliseconds: 5000,
  };
}

/** Answers 200 with the url's last segment as body, at once. */
function instantSend(row: QueueRow): Promise<Sent> {
  const content = decodeURIComponent(row.url.split("/").pop()!);
  return Promise.resolve({
    response: responseRow(row.id, 200, [], content),
    line: `#${row.id} -> 200`,
  });
}

/** A send held until released; it honours the shutdown signal like the real one. */
class GatedSend {
  started: string[] = [];
  #gates = new Map<string, (content: string) => void>();
  send = (row: QueueRow, shutdown: AbortSignal): Promise<Sent> => {
    this.started.push(row.id);
    return new Promise((resolve) => {
      const finish = (content: string) =>
        resolve({ response: responseRow(row.id, 200, [], content), line: `#${row.id} -> 200` });
      this.#gates.set(row.id, finish);
      shutdown.addEventListener(
        "abort",
        () => resolve({ response: failureRow(row.id, ABANDONED), line: "" }),
      );
    });
  };
  release(id: string, content = "late") {
    this.#gates.get(id)!(content);
  }
}

const FAST: NetSettings = {
  ...DEFAULT_SETTINGS,
  pollMs: 20,
  backoffMinMs: 10,
  backoffMaxMs: 40,
  graceMs: 200,
  expireEveryMs: 0,
};

function start(
  store: FakeStore,
  options: {
    send?: (r: QueueRow, s: AbortSignal) => Promise<Sent>;
    settings?: Partial<NetSettings>;
  } = {},
) {
  const logs: string[] = [];
  const dispatcher = new Dispatcher({
    store,
    send: options.send ?? instantSend,
    log: (line) => logs.push(line),
    settings: { ...FAST, ...options.settings },
  });
  const running = dispatcher.run();
  return { dispatcher, logs, running };
}

async function until(what: string, condition: () => boolean, timeoutMs = 2000) {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("queued requests are taken, sent, and get one response row each", async () => {
  const store = new FakeStore();
  store.queue.push(queued(1), queued(2), queued(3));
  const { dispatcher, running, logs } = start(store);
  await until("three responses", () => store.written.length === 3);
  assertEquals(store.written.map((r) => [r.id, r.status_code, r.content]), [
    ["1", 200, "response 1"],
    ["2", 200, "response 2"],
    ["3", 200, "response 3"],
  ]);
  assertEquals(logs, ["#1 -> 200", "#2 -> 200", "#3 -> 200"]);
  await dispatcher.stop();
  await running;
  assert(store.closed);
});

Deno.test("a notification wakes the dispatcher before the next poll", async () => {
  const store = new FakeStore();
  const { dispatcher, running } = start(store, { settings: { pollMs: 60_000 } });
  await until("first take", () => store.takes === 1);
  store.queue.push(queued(1));
  dispatcher.wake();
  await until("the response", () => store.written.length === 1, 1000);
  await dispatcher.stop();
  await running;
});

Deno.test("without a notification, polling finds the request", async () => {
  const store = new FakeStore();
  const { dispatcher, running } = start(store, { settings: { pollMs: 30 } });
  await until("first take", () => store.takes === 1);
  store.queue.push(queued(1));
  await until("the response", () => store.written.length === 1, 1000);
  await dispatcher.stop();
  await running;
});

Deno.test("a full batch is followed by another take at once, not after a poll", async () => {
  const store = new FakeStore();
  for (let i = 1; i <= 5; i++) store.queue.push(queued(i));
  const { dispatcher, running } = start(store, { settings: { batchSize: 2, pollMs: 60_000 } });
  await until("all five responses", () => store.written.length === 5, 1000);
  await dispatcher.stop();
  await running;
});

Deno.test("no more than maxInFlight requests are taken while others are in flight", async () => {
  const store = new FakeStore();
  for (let i = 1; i <= 5; i++) store.queue.push(queued(i));
  const gated = new GatedSend();
  const { dispatcher, running } = start(store, { send: gated.send, settings: { maxInFlight: 2 } });
  await until("two started", () => gated.started.length === 2);
  await sleep(100);
  assertEquals(gated.started, ["1", "2"]);
  assertEquals(store.queue.length, 3);
  gated.release("1");
  await until("a third started", () => gated.started.length === 3);
  assertEquals(gated.started[2], "3");
  await dispatcher.stop();
  await running;
});

Deno.test("during an outage nothing is taken, the outage is logged once, and work resumes after", async () => {
  const store = new FakeStore();
  const { dispatcher, running, logs } = start(store);
  await until("first take", () => store.takes === 1);
  store.down = true;
  store.queue.push(queued(1));
  await sleep(300); // many retries at 10-40 ms
  assertEquals(store.queue.length, 1);
  assertEquals(logs.filter((l) => l.includes("database unavailable")).length, 1);
  assertStringIncludes(logs[0], "connect ENOENT");
  store.down = false;
  await until("the response", () => store.written.length === 1);
  assertEquals(logs.filter((l) => l.startsWith("database reachable again")).length, 1);
  await dispatcher.stop();
  await running;
});

Deno.test("a response that arrives while the database is away is written once it is back", async () => {
  const store = new FakeStore();
  store.queue.push(queued(1));
  const gated = new GatedSend();
  const { dispatcher, running } = start(store, { send: gated.send });
  await until("sent", () => gated.started.length === 1);
  store.down = true;
  gated.release("1");
  await until("pending", () => dispatcher.pending === 1);
  await sleep(100);
  assertEquals(store.written.length, 0);
  store.down = false;
  await until("written", () => store.written.length === 1);
  await sleep(100);
  assertEquals(store.written.map((r) => [r.id, r.content]), [["1", "late"]]);
  await dispatcher.stop();
  await running;
});

Deno.test("a response the database refuses is replaced by an error row, without holding up others", async () => {
  const store = new FakeStore();
  store.refuse.add("bad");
  store.queue.push(queued(1, "good"), queued(2, "bad"));
  const gated = new GatedSend();
  const { dispatcher, running, logs } = start(store, { send: gated.send });
  await until("both sent", () => gated.started.length === 2);
  // Both finish while the database is away, so one write carries the good and the bad row.
  store.down = true;
  gated.release("1", "good");
  gated.release("2", "bad");
  await until("both pending", () => dispatcher.pending === 2);
  store.down = false;
  await until("two rows", () => store.written.length === 2);
  const byId = Object.fromEntries(store.written.map((r) => [r.id, r]));
  assertEquals(byId["1"].content, "good");
  assertEquals(byId["2"].status_code, null);
  assertEquals(byId["2"].error_msg, "response could not be stored: invalid byte sequence");
  assert(
    logs.includes("#2 -> response could not be stored: invalid byte sequence"),
    logs.join("\n"),
  );
  await dispatcher.stop();
  await running;
});

Deno.test("expired responses are deleted with the configured TTL", async () => {
  const store = new FakeStore();
  const { dispatcher, running } = start(store, { settings: { ttlSeconds: 123 } });
  await until("an expiry", () => store.expired.length > 0);
  assertEquals(store.expired[0], 123);
  await dispatcher.stop();
  await running;
});

Deno.test("stop lets requests in flight finish within the grace period and takes nothing new", async () => {
  const store = new FakeStore();
  store.queue.push(queued(1));
  const gated = new GatedSend();
  const { dispatcher, running } = start(store, { send: gated.send, settings: { graceMs: 1000 } });
  await until("sent", () => gated.started.length === 1);
  const stopped = dispatcher.stop();
  store.queue.push(queued(2));
  await sleep(50);
  gated.release("1");
  await stopped;
  await running;
  assertEquals(store.written.map((r) => [r.id, r.content]), [["1", "late"]]);
  assertEquals(store.queue.map((r) => r.id), ["2"]);
  assertEquals(gated.started, ["1"]);
  assert(store.closed);
});

Deno.test("stop abandons what is still in flight after the grace period, with an error row", async () => {
  const store = new FakeStore();
  store.queue.push(queued(1));
  const gated = new GatedSend();
  const { dispatcher, running, logs } = start(store, {
    send: gated.send,
    settings: { graceMs: 100 },
  });
  await until("sent", () => gated.started.length === 1);
  const started = performance.now();
  await dispatcher.stop();
  await running;
  const took = performance.now() - started;
  assert(took >= 90 && took < 1000, `stop took ${took} ms`);
  assertEquals(store.written.map((r) => [r.id, r.error_msg]), [["1", ABANDONED]]);
  assert(logs.some((l) => l.includes("abandoning 1 request(s)")));
});

Deno.test("stop names the responses it could not write when the database is away", async () => {
  const store = new FakeStore();
  store.queue.push(queued(7));
  const gated = new GatedSend();
  const { dispatcher, running, logs } = start(store, { send: gated.send });
  await until("sent", () => gated.started.length === 1);
  store.down = true;
  gated.release("7");
  await until("pending", () => dispatcher.pending === 1);
  await dispatcher.stop();
  await running;
  assert(logs.some((l) => l.includes("could not be written: #7")), logs.join("\n"));
});

Deno.test("connection errors are told apart from errors the database answered with", () => {
  for (
    const code of [
      "ECONNREFUSED",
      "ENOENT",
      "CONNECTION_CLOSED",
      "CONNECT_TIMEOUT",
      "57P01",
      "08006",
      "53300",
    ]
  ) {
    assertEquals(isConnectionError({ code }), true, code);
  }
  for (const code of ["22021", "23505", "42P01", "UNDEFINED_VALUE"]) {
    assertEquals(isConnectionError({ code }), false, code);
  }
  assertEquals(isConnectionError(new Error("no code")), true);
});
