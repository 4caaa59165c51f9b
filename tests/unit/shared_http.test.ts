// functions/_shared/http.ts: every answer carries CORS; errors have the one JSON shape; the
// JSON body reader refuses the wrong media type, oversized bodies (declared or streamed,
// without buffering past the limit), invalid UTF-8 and invalid JSON, each with its own code.

import { assert, assertEquals } from "@std/assert";
import {
  errorResponse,
  internalError,
  json,
  methodNotAllowed,
  preflight,
  readJsonBody,
} from "../../functions/_shared/http.ts";
import { assertCors } from "../support/function_requests.ts";

const url = "http://fn/test";

function request(body: BodyInit | null, headers: Record<string, string>): Request {
  return new Request(url, { method: "POST", headers, body });
}

async function errorOf(result: unknown): Promise<{ status: number; code: string }> {
  if (!(result instanceof Response)) throw new Error("expected a refusal");
  assertCors(result);
  return { status: result.status, code: (await result.json()).error.code };
}

Deno.test("json: status, JSON body, content type, CORS, extra headers", async () => {
  const res = json(201, { a: 1 }, { "x-extra": "y" });
  assertEquals(res.status, 201);
  assertEquals(res.headers.get("content-type"), "application/json; charset=utf-8");
  assertEquals(res.headers.get("x-extra"), "y");
  assertCors(res);
  assertEquals(await res.json(), { a: 1 });
});

Deno.test("errorResponse: {error: {code, message, field?}}, field left out when not given", async () => {
  const withField = errorResponse(400, "invalid_request", "x is bad", "x");
  assertEquals(await withField.json(), {
    error: { code: "invalid_request", message: "x is bad", field: "x" },
  });
  const without = errorResponse(409, "conflict", "taken", undefined, { "retry-after": "5" });
  assertEquals(await without.json(), { error: { code: "conflict", message: "taken" } });
  assertEquals(without.headers.get("retry-after"), "5");
  assertCors(without);
});

Deno.test("preflight: 204 with CORS and no body; methodNotAllowed: 405 naming POST", async () => {
  const pre = preflight();
  assertEquals(pre.status, 204);
  assertEquals(await pre.text(), "");
  assertCors(pre);
  const wrong = methodNotAllowed();
  assertEquals(wrong.status, 405);
  assertEquals(wrong.headers.get("allow"), "POST, OPTIONS");
  assertEquals((await wrong.json()).error.code, "method_not_allowed");
  assertCors(wrong);
});

Deno.test("internalError: 500 with only a code and a reference, no detail", async () => {
  const res = internalError("req-123");
  assertEquals(res.status, 500);
  assertCors(res);
  assertEquals(await res.json(), {
    error: { code: "internal_error", message: "unexpected error (reference req-123)" },
  });
});

Deno.test("readJsonBody: parses JSON sent as application/json, with or without a charset", async () => {
  assertEquals(
    await readJsonBody(request('{"a":[1,"é"]}', { "content-type": "application/json" }), 100),
    { a: [1, "é"] },
  );
  assertEquals(
    await readJsonBody(
      request("[]", { "content-type": "Application/JSON; charset=utf-8" }),
      100,
    ),
    [],
  );
});

Deno.test("readJsonBody: any other media type is 415", async () => {
  for (const type of [null, "text/plain", "application/jsonp", "multipart/form-data"]) {
    const headers: Record<string, string> = type ? { "content-type": type } : {};
    const req = request(type === null ? new Blob(["{}"]) : "{}", headers);
    if (type === null) req.headers.delete("content-type");
    assertEquals(await errorOf(await readJsonBody(req, 100)), {
      status: 415,
      code: "unsupported_media_type",
    }, String(type));
  }
});

Deno.test("readJsonBody: exactly the limit is read; one byte more is 413", async () => {
  const atLimit = JSON.stringify("x".repeat(98)); // 100 bytes
  assertEquals(
    await readJsonBody(request(atLimit, { "content-type": "application/json" }), 100),
    "x".repeat(98),
  );
  const over = JSON.stringify("x".repeat(99));
  assertEquals(
    await errorOf(await readJsonBody(request(over, { "content-type": "application/json" }), 100)),
    { status: 413, code: "body_too_large" },
  );
});

Deno.test("readJsonBody: a declared content-length over the limit is refused without reading", async () => {
  let pulled = false;
  const body = new ReadableStream<Uint8Array>({
    pull() {
      pulled = true;
      throw new Error("the body must not be read");
    },
  }, { highWaterMark: 0 }); // pulled only when someone reads
  const req = request(body, { "content-type": "application/json", "content-length": "101" });
  assertEquals(await errorOf(await readJsonBody(req, 100)), {
    status: 413,
    code: "body_too_large",
  });
  assertEquals(pulled, false);
});

Deno.test("readJsonBody: a streamed body with no length stops at the limit and is cancelled", async () => {
  let produced = 0;
  let cancelled = false;
  // 1 MiB on offer (finite, so a reader that buffers everything fails instead of hanging).
  const endless = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (produced >= 1024 * 1024) return controller.close();
      produced += 1024;
      controller.enqueue(new Uint8Array(1024).fill(0x20));
    },
    cancel() {
      cancelled = true;
    },
  });
  const req = request(endless, { "content-type": "application/json" });
  assertEquals(await errorOf(await readJsonBody(req, 10_000)), {
    status: 413,
    code: "body_too_large",
  });
  assert(cancelled, "the stream is cancelled");
  assert(produced <= 16 * 1024, `read ${produced} bytes for a 10000-byte limit`);
});

Deno.test("readJsonBody: invalid UTF-8, invalid JSON and an empty body are 400 invalid_json", async () => {
  const bodies: BodyInit[] = [
    new Uint8Array([0x22, 0xff, 0xfe, 0x22]), // a JSON string holding bytes that are not UTF-8
    new Uint8Array([0x22, 0xed, 0xa0, 0x80, 0x22]), // an encoded surrogate: not valid UTF-8
    "{not json",
    "{'single': 'quotes'}",
    "",
  ];
  for (const body of bodies) {
    const req = request(body, { "content-type": "application/json" });
    assertEquals(await errorOf(await readJsonBody(req, 100)), {
      status: 400,
      code: "invalid_json",
    });
  }
});
