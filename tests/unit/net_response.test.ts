// The net._http_response rows written for each outcome of a request.

import { assertEquals } from "@std/assert";
import {
  curlErrorMessage,
  failureRow,
  responseRow,
  textContent,
  timeoutRow,
} from "../../stack/net/response.ts";

Deno.test("an HTTP response keeps status, content type, headers and body", () => {
  const headers = new Headers({ "Content-Type": "text/plain; charset=utf-8", "X-Thing": "a" });
  assertEquals(responseRow("7", 404, headers, "not here"), {
    id: "7",
    status_code: 404,
    content_type: "text/plain; charset=utf-8",
    headers: { "content-type": "text/plain; charset=utf-8", "x-thing": "a" },
    content: "not here",
    timed_out: false,
    error_msg: null,
  });
});

Deno.test("an empty body is stored as null and a missing content type as null, as pg_net does", () => {
  const row = responseRow("1", 204, new Headers(), "");
  assertEquals(row.content, null);
  assertEquals(row.content_type, null);
  assertEquals(row.headers, {});
});

Deno.test("text content stops at the first NUL, which PostgreSQL text cannot hold", () => {
  assertEquals(textContent("ab\u0000cd"), "ab");
  assertEquals(textContent("\u0000cd"), null);
  assertEquals(textContent("plain"), "plain");
});

Deno.test("a timeout row says timed_out with pg_net's message start and no status", () => {
  const row = timeoutRow("3", 800, 801.5);
  assertEquals(row.timed_out, true);
  assertEquals(row.status_code, null);
  assertEquals(row.error_msg, "Timeout of 800 ms reached. Total time: 801.500000 ms");
  assertEquals(row.content, null);
  assertEquals(row.headers, null);
});

Deno.test("a failure row has no status and is not a timeout", () => {
  assertEquals(failureRow("4", "boom"), {
    id: "4",
    status_code: null,
    content_type: null,
    headers: null,
    content: null,
    timed_out: false,
    error_msg: "boom",
  });
});

Deno.test("connection failures get curl's wording, as pg_net stores it", () => {
  const refused = new TypeError("fetch failed", {
    cause: new Error(
      "error sending request for url (http://127.0.0.1:5/): client error (Connect): tcp connect error: Connection refused (os error 111)",
    ),
  });
  assertEquals(curlErrorMessage(refused), "Couldn't connect to server");
  const dns = new TypeError("fetch failed", {
    cause: new Error(
      "client error (Connect): dns error: failed to lookup address information: Name or service not known",
    ),
  });
  assertEquals(curlErrorMessage(dns), "Couldn't resolve host name");
});

Deno.test("other failures keep the fetch error's text, causes included", () => {
  const error = new TypeError("fetch failed", { cause: new Error("something odd") });
  assertEquals(curlErrorMessage(error), "fetch failed: something odd");
  assertEquals(curlErrorMessage("plain"), "plain");
});
