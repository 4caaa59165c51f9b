// How failures are classified for the pipeline: status codes to kinds, Retry-After in its
// forms, and zod failures described by path and code without the values.

import { assertEquals } from "@std/assert";
import { z } from "zod";
import {
  describeIssues,
  kindForStatus,
  retryAfterSeconds,
  statusError,
} from "../../functions/_shared/providers/errors.ts";

const NOW = Date.parse("2026-11-22T10:00:00Z");

Deno.test("429 waits, 408/409/5xx retry, every other status is permanent", () => {
  assertEquals(kindForStatus(429), "rate_limited");
  for (const status of [408, 409, 500, 502, 503, 504]) {
    assertEquals(kindForStatus(status), "transient", `${status}`);
  }
  for (const status of [400, 401, 403, 404, 413, 422]) {
    assertEquals(kindForStatus(status), "permanent", `${status}`);
  }
});

Deno.test("Retry-After as seconds, as an HTTP date, and OpenAI's retry-after-ms", () => {
  const h = (init: Record<string, string>) => new Headers(init);
  assertEquals(retryAfterSeconds(h({ "retry-after": "12" }), NOW), 12);
  assertEquals(retryAfterSeconds(h({ "retry-after": "0.5" }), NOW), 1);
  assertEquals(retryAfterSeconds(h({ "retry-after": "Sun, 22 Nov 2026 10:00:30 GMT" }), NOW), 30);
  assertEquals(retryAfterSeconds(h({ "retry-after": "Sun, 22 Nov 2026 09:59:00 GMT" }), NOW), 0);
  assertEquals(retryAfterSeconds(h({ "retry-after-ms": "1500", "retry-after": "9" }), NOW), 2);
  assertEquals(retryAfterSeconds(h({ "retry-after": "soon" }), NOW), null);
  assertEquals(retryAfterSeconds(h({}), NOW), null);
  assertEquals(retryAfterSeconds(undefined, NOW), null);
});

Deno.test("a status error reads Retry-After only for 429s and counts one request", () => {
  const headers = new Headers({ "retry-after": "5" });
  const limited = statusError({
    provider: "p",
    status: 429,
    headers,
    code: "RESOURCE_EXHAUSTED",
    now: NOW,
  });
  assertEquals(limited.kind, "rate_limited");
  assertEquals(limited.retryAfterSeconds, 5);
  assertEquals(limited.message, "p: HTTP 429 RESOURCE_EXHAUSTED, retry after 5 s");
  assertEquals(limited.usage, { requests: 1, promptTokens: 0, completionTokens: 0, tokens: 0 });
  const failed = statusError({ provider: "p", status: 503, headers, now: NOW });
  assertEquals([failed.kind, failed.retryAfterSeconds, failed.status], ["transient", null, 503]);
});

Deno.test("zod issues are described by path and code, never by value", () => {
  const schema = z.object({
    items: z.array(z.object({ label: z.string(), category: z.enum(["a"]) })),
  });
  const result = schema.safeParse({ items: [{ label: 7, category: "Metformin 500 mg" }] });
  if (result.success) throw new Error("expected a failure");
  const text = describeIssues(result.error);
  assertEquals(text, "items.0.label: invalid_type; items.0.category: invalid_value");
});
