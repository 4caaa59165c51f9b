// Sending one queue row: what fetch is asked, and the response row for each outcome.
// fetch is a stand-in; no network.

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import type { QueueRow } from "../../stack/net/request.ts";
import { ABANDONED, sendRequest } from "../../stack/net/send.ts";

function row(overrides: Partial<QueueRow> = {}): QueueRow {
  return {
    id: "42",
    method: "POST",
    url: "http://127.0.0.1:9/hook?key=secret",
    headers: { "Content-Type": "application/json" },
    body: new TextEncoder().encode('{"a": 1}'),
    timeout_milliseconds: 5000,
    ...overrides,
  };
}

/** A fetch that never answers; it rejects when its signal aborts, as fetch does. */
const hangingFetch: typeof fetch = (_input, init) =>
  new Promise((_resolve, reject) => {
    init?.signal?.addEventListener(
      "abort",
      () => reject(new DOMException("aborted", "AbortError")),
    );
  });

const never = new AbortController().signal;

Deno.test("a response is written with its status, headers and body; the log line names no secret", async () => {
  let seen: { url: string; method?: string; body?: string } | undefined;
  const fetch: typeof globalThis.fetch = async (input, init) => {
    seen = {
      url: String(input),
      method: init?.method,
      body: await new Response(init?.body).text(),
    };
    return new Response('{"ok":true}', {
      status: 201,
      headers: { "content-type": "application/json" },
    });
  };
  const { response, line } = await sendRequest(row(), { fetch }, never);
  assertEquals(seen, {
    url: "http://127.0.0.1:9/hook?key=secret",
    method: "POST",
    body: '{"a": 1}',
  });
  assertEquals(response.status_code, 201);
  assertEquals(response.content, '{"ok":true}');
  assertEquals(response.content_type, "application/json");
  assertEquals(response.timed_out, false);
  assertEquals(response.error_msg, null);
  assertStringIncludes(line, "#42 POST http://127.0.0.1:9/hook?… -> 201");
  assert(!line.includes("secret"), line);
});

Deno.test("a request that outlasts timeout_milliseconds is aborted and written as timed out, on time", async () => {
  const started = performance.now();
  const { response, line } = await sendRequest(row({ timeout_milliseconds: 50 }), {
    fetch: hangingFetch,
  }, never);
  const took = performance.now() - started;
  assertEquals(response.timed_out, true);
  assertEquals(response.status_code, null);
  assert(response.error_msg?.startsWith("Timeout of 50 ms reached."), response.error_msg ?? "");
  assert(took >= 45 && took < 1000, `took ${took} ms`);
  assertStringIncludes(line, "timed out after 50 ms");
});

Deno.test("the timeout also covers reading the body, as curl's does", async () => {
  const fetch: typeof globalThis.fetch = (_input, init) => {
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("partial"));
        init?.signal?.addEventListener(
          "abort",
          () => controller.error(new DOMException("aborted", "AbortError")),
        );
      },
    });
    return Promise.resolve(new Response(body, { status: 200 }));
  };
  const { response } = await sendRequest(row({ timeout_milliseconds: 50 }), { fetch }, never);
  assertEquals(response.timed_out, true);
  assertEquals(response.status_code, null);
});

Deno.test("a refused connection is written with no status and curl's message", async () => {
  const fetch: typeof globalThis.fetch = () =>
    Promise.reject(
      new TypeError("fetch failed", {
        cause: new Error("tcp connect error: Connection refused (os error 111)"),
      }),
    );
  const { response, line } = await sendRequest(row(), { fetch }, never);
  assertEquals(response.status_code, null);
  assertEquals(response.timed_out, false);
  assertEquals(response.error_msg, "Couldn't connect to server");
  assertStringIncludes(line, "Connection refused");
});

Deno.test("a request that cannot be built is not sent and gets an error row", async () => {
  let called = false;
  const fetch: typeof globalThis.fetch = () => {
    called = true;
    return Promise.resolve(new Response("x"));
  };
  const { response } = await sendRequest(row({ headers: { "X-A": "1\n2" } }), { fetch }, never);
  assertEquals(called, false);
  assertEquals(response.error_msg, 'header "X-A" contains a carriage return or line feed');
});

Deno.test("shutting down abandons a request in flight with an error row, not a timeout", async () => {
  const shutdown = new AbortController();
  const pending = sendRequest(row(), { fetch: hangingFetch }, shutdown.signal);
  shutdown.abort();
  const { response } = await pending;
  assertEquals(response.error_msg, ABANDONED);
  assertEquals(response.timed_out, false);
});
