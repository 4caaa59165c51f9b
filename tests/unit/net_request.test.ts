// The fetch built from a net.http_request_queue row.

import { assert, assertEquals } from "@std/assert";
import { buildRequest, type QueueRow, urlForLog, USER_AGENT } from "../../stack/net/request.ts";

function row(overrides: Partial<QueueRow> = {}): QueueRow {
  return {
    id: "1",
    method: "POST",
    url: "http://127.0.0.1:9/hook?token=secret",
    headers: { "Content-Type": "application/json" },
    body: new TextEncoder().encode('{"a": 1}'),
    timeout_milliseconds: 5000,
    ...overrides,
  };
}

function rejection(r: QueueRow): string {
  const out = buildRequest(r);
  if (out.ok) throw new Error(`expected a rejection, got a request to ${out.url}`);
  return out.reason;
}

function sent(r: QueueRow) {
  const out = buildRequest(r);
  if (!out.ok) throw new Error(`expected a request, got a rejection: ${out.reason}`);
  return out;
}

Deno.test("a POST row becomes a POST with its url, headers and body bytes", async () => {
  const out = sent(
    row({ headers: { "Content-Type": "application/json", Authorization: "Bearer k" } }),
  );
  assertEquals(out.url, "http://127.0.0.1:9/hook?token=secret");
  assertEquals(out.init.method, "POST");
  const headers = new Headers(out.init.headers);
  assertEquals(headers.get("content-type"), "application/json");
  assertEquals(headers.get("authorization"), "Bearer k");
  assertEquals(await new Response(out.init.body).text(), '{"a": 1}');
  assertEquals(out.init.redirect, "follow");
});

Deno.test("the method is matched case-insensitively, as pg_net's http_method domain allows", () => {
  assertEquals(sent(row({ method: "delete", body: null })).init.method, "DELETE");
});

Deno.test("a GET row is sent without a body", () => {
  const out = sent(row({ method: "GET", body: null, headers: {} }));
  assertEquals(out.init.method, "GET");
  assertEquals(out.init.body, undefined);
});

Deno.test("a GET row with a body is refused: fetch cannot send one", () => {
  assertEquals(
    rejection(row({ method: "GET" })),
    "a GET request with a body cannot be sent by the local net dispatcher",
  );
});

Deno.test("a DELETE row keeps its optional body", async () => {
  const out = sent(row({ method: "DELETE" }));
  assertEquals(await new Response(out.init.body).text(), '{"a": 1}');
});

Deno.test("pg_net's User-Agent is sent unless the caller gives one", () => {
  assertEquals(new Headers(sent(row()).init.headers).get("user-agent"), USER_AGENT);
  const own = sent(row({ headers: { "user-agent": "mine/1" } }));
  assertEquals(new Headers(own.init.headers).get("user-agent"), "mine/1");
});

Deno.test("null header values are left out, as jsonb_each_text's nulls are in pg_net", () => {
  const headers = new Headers(
    sent(row({ headers: { "X-Kept": "1", "X-Null": null } })).init.headers,
  );
  assertEquals(headers.get("x-kept"), "1");
  assertEquals(headers.has("x-null"), false);
});

Deno.test("a header with CR or LF is refused and named, its value not shown", () => {
  assertEquals(
    rejection(row({ headers: { "X-Evil": "a\r\nInjected: yes" } })),
    'header "X-Evil" contains a carriage return or line feed',
  );
});

Deno.test("an unsupported method is refused with pg_net's wording", () => {
  assertEquals(rejection(row({ method: "PATCH" })), "Unsupported request method PATCH");
});

Deno.test("an invalid header name is refused instead of throwing", () => {
  const reason = rejection(row({ headers: { "bad name": "x" } }));
  assert(reason.startsWith('header "bad name" is not valid'), reason);
});

Deno.test("logged urls lose their query string and fragment", () => {
  assertEquals(urlForLog("http://h:1/p?token=secret#f"), "http://h:1/p?…");
  assertEquals(urlForLog("https://h/p"), "https://h/p");
  assertEquals(urlForLog("not a url?x=1"), "not a url");
});
