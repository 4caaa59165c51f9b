// The Google Cloud Vision adapter against a fake fetch: what it sends, how it reads the
// answer, and how each failure is classified.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { fromBase64 } from "../../functions/_shared/base64.ts";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import { createGoogleVisionOcr } from "../../functions/_shared/providers/google_vision.ts";
import type { OcrInput, ProviderDeps } from "../../functions/_shared/providers/types.ts";
import { failingFetch, fakeFetch, hangingFetch, jsonResponse } from "../support/fake_fetch.ts";

const NOW = Date.parse("2026-11-22T10:00:00Z");
const SETTINGS = {
  baseURL: "https://vision.example.test/",
  apiKey: "k/ey+1",
  timeoutMs: 5000,
  rateLimit: { provider_name: "google", api_endpoint: "vision-api" },
};
const IMAGE: OcrInput = {
  kind: "image",
  bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]),
  mimeType: "image/png",
};
const PDF_PAGE: OcrInput = {
  kind: "pdf_page",
  pdf: new TextEncoder().encode("%PDF-1.4 fake"),
  pageNumber: 2,
};

function ocr(fetch: typeof globalThis.fetch, settings: Partial<typeof SETTINGS> = {}) {
  const deps: ProviderDeps = { fetch, now: () => NOW };
  return createGoogleVisionOcr({ ...SETTINGS, ...settings }, deps);
}

async function failure(promise: Promise<unknown>): Promise<ProviderError> {
  return await assertRejects(() => promise, ProviderError);
}

const annotated = (text: string, confidences: number[]) => ({
  fullTextAnnotation: { text, pages: confidences.map((confidence) => ({ confidence })) },
});

Deno.test("an image goes to images:annotate with the key, base64 content and DOCUMENT_TEXT_DETECTION", async () => {
  const { fetch, calls } = fakeFetch(() =>
    jsonResponse({ responses: [annotated("Allergy: Latex\n", [0.9, 0.8])] })
  );
  const provider = ocr(fetch);
  assertEquals(provider.name, "google_vision");
  assertEquals(provider.rateLimit, { provider_name: "google", api_endpoint: "vision-api" });
  const result = await provider.recognize(IMAGE);
  assertEquals(calls.length, 1);
  assertEquals(calls[0].method, "POST");
  assertEquals(calls[0].url, "https://vision.example.test/v1/images:annotate?key=k%2Fey%2B1");
  assertEquals(calls[0].headers.get("content-type"), "application/json");
  const body = JSON.parse(calls[0].body);
  assertEquals(body.requests.length, 1);
  assertEquals(body.requests[0].features, [{ type: "DOCUMENT_TEXT_DETECTION" }]);
  assertEquals(fromBase64(body.requests[0].image.content), (IMAGE as { bytes: Uint8Array }).bytes);
  assertEquals(result.text, "Allergy: Latex");
  assertEquals(Math.round(result.confidence! * 100), 85);
  assertEquals(result.usage, { requests: 1, promptTokens: 0, completionTokens: 0, tokens: 0 });
});

Deno.test("a PDF page goes to files:annotate with the PDF and that one page", async () => {
  const { fetch, calls } = fakeFetch(() =>
    jsonResponse({
      responses: [{
        responses: [{ ...annotated("Page two text\n", [0.97]), context: { pageNumber: 2 } }],
        totalPages: 3,
      }],
    })
  );
  const result = await ocr(fetch).recognize(PDF_PAGE);
  assertEquals(calls[0].url, "https://vision.example.test/v1/files:annotate?key=k%2Fey%2B1");
  const request = JSON.parse(calls[0].body).requests[0];
  assertEquals(request.inputConfig.mimeType, "application/pdf");
  assertEquals(fromBase64(request.inputConfig.content), (PDF_PAGE as { pdf: Uint8Array }).pdf);
  assertEquals(request.pages, [2]);
  assertEquals(request.features, [{ type: "DOCUMENT_TEXT_DETECTION" }]);
  assertEquals([result.text, result.confidence], ["Page two text", 0.97]);
});

Deno.test("no text found is an empty text with no confidence, not an error", async () => {
  const { fetch } = fakeFetch(() => jsonResponse({ responses: [{}] }));
  assertEquals(await ocr(fetch).recognize(IMAGE), {
    text: "",
    confidence: null,
    usage: { requests: 1, promptTokens: 0, completionTokens: 0, tokens: 0 },
  });
});

Deno.test("HTTP 429 is rate_limited, with Retry-After when sent (seconds or date) and without", async () => {
  const body = {
    error: {
      code: 429,
      message: "Quota exceeded for Metformin page",
      status: "RESOURCE_EXHAUSTED",
    },
  };
  for (
    const [headers, wait] of [
      [{ "retry-after": "12" }, 12],
      [{ "retry-after": "Sun, 22 Nov 2026 10:01:00 GMT" }, 60],
      [{}, null],
    ] as const
  ) {
    const { fetch } = fakeFetch(() => jsonResponse(body, 429, headers));
    const error = await failure(ocr(fetch).recognize(IMAGE));
    assertEquals(error.kind, "rate_limited");
    assertEquals(error.retryAfterSeconds, wait);
    assertEquals(error.status, 429);
    assertEquals(error.provider, "google_vision");
    assertEquals(error.usage?.requests, 1);
    assert(error.message.startsWith("google_vision: HTTP 429 RESOURCE_EXHAUSTED"), error.message);
    assert(
      !error.message.includes("Metformin"),
      "the provider's free text stays out of the message",
    );
  }
});

Deno.test("HTTP 500 and 503 are transient; 400 and 403 are permanent", async () => {
  for (
    const [status, kind] of [[500, "transient"], [503, "transient"], [400, "permanent"], [
      403,
      "permanent",
    ]] as const
  ) {
    const { fetch } = fakeFetch(() => jsonResponse("<html>proxy error</html>", status));
    const error = await failure(ocr(fetch).recognize(IMAGE));
    assertEquals([error.kind, error.status], [kind, status]);
    assertEquals(error.message, `google_vision: HTTP ${status}`);
  }
});

Deno.test("errors inside a 200 answer are classified by their google.rpc code", async () => {
  for (
    const [code, kind, name] of [
      [8, "rate_limited", "RESOURCE_EXHAUSTED"],
      [14, "transient", "UNAVAILABLE"],
      [13, "transient", "INTERNAL"],
      [3, "permanent", "INVALID_ARGUMENT"],
    ] as const
  ) {
    const { fetch } = fakeFetch(() =>
      jsonResponse({ responses: [{ error: { code, message: "Bad image data." } }] })
    );
    const error = await failure(ocr(fetch).recognize(IMAGE));
    assertEquals(error.kind, kind);
    assertEquals(error.message, `google_vision: image: ${name}`);
  }
  // files:annotate: the file's error, and a page's error
  const fileError = fakeFetch(() =>
    jsonResponse({ responses: [{ error: { code: 3, message: "bad pdf" } }] })
  );
  assertEquals(
    (await failure(ocr(fileError.fetch).recognize(PDF_PAGE))).message,
    "google_vision: page 2: INVALID_ARGUMENT",
  );
  const pageError = fakeFetch(() =>
    jsonResponse({
      responses: [{ responses: [{ error: { code: 3 }, context: { pageNumber: 2 } }] }],
    })
  );
  assertEquals((await failure(ocr(pageError.fetch).recognize(PDF_PAGE))).kind, "permanent");
});

Deno.test("a body that is not JSON, or not Vision's shape, is an invalid answer, retried", async () => {
  const notJson = fakeFetch(() => jsonResponse('{"responses": ['));
  const error = await failure(ocr(notJson.fetch).recognize(IMAGE));
  assertEquals([error.kind, error.message], [
    "transient",
    "google_vision: invalid answer: response body is not JSON",
  ]);
  assertEquals(error.usage?.requests, 1);

  const wrongShape = fakeFetch(() => jsonResponse({ responses: 7 }));
  const shape = await failure(ocr(wrongShape.fetch).recognize(IMAGE));
  assertEquals([shape.kind, shape.message], [
    "transient",
    "google_vision: invalid answer: responses: invalid_type",
  ]);

  const noPage = fakeFetch(() => jsonResponse({ responses: [{ responses: [] }] }));
  assertEquals(
    (await failure(ocr(noPage.fetch).recognize(PDF_PAGE))).message,
    "google_vision: invalid answer: no answer for page 2",
  );
});

Deno.test("no answer within the timeout is transient with unknown usage, on time", async () => {
  const started = performance.now();
  const error = await failure(ocr(hangingFetch, { timeoutMs: 50 }).recognize(IMAGE));
  const took = performance.now() - started;
  assertEquals([error.kind, error.usage, error.status], ["transient", null, null]);
  assertEquals(error.message, "google_vision: no answer within 50 ms");
  assert(took >= 45 && took < 2000, `took ${took} ms`);
});

Deno.test("a caller's abort and a network failure are transient", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 20);
  const aborted = await failure(ocr(hangingFetch).recognize(IMAGE, { signal: controller.signal }));
  assertEquals([aborted.kind, aborted.message], [
    "transient",
    "google_vision: aborted by the caller",
  ]);
  const network = await failure(ocr(failingFetch).recognize(IMAGE));
  assertEquals([network.kind, network.message, network.usage], [
    "transient",
    "google_vision: network error",
    null,
  ]);
});

Deno.test("the API key never appears in an error message", async () => {
  const { fetch } = fakeFetch(() => jsonResponse({}, 400));
  const error = await failure(ocr(fetch).recognize(IMAGE));
  assert(!error.message.includes("k/ey") && !error.message.includes("k%2Fey"), error.message);
});
