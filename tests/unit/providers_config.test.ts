// providersFromEnv: which adapters the environment picks, that its settings reach the
// requests, which api_rate_limits row each counts against, and that a missing or bad
// setting is refused with the variable's name (and never its value).

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import {
  type Env,
  ProviderConfigError,
  providersFromEnv,
} from "../../functions/_shared/providers/config.ts";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import { fakeFetch, hangingFetch, jsonResponse } from "../support/fake_fetch.ts";

const BASE: Env = { AI_API_KEY: "sk-secret-value", GOOGLE_VISION_API_KEY: "g-secret-value" };

const completion = (content: string) =>
  jsonResponse({
    id: "c",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  });

Deno.test("defaults: Google Vision for OCR and OpenAI for the passes, on the seeded rate-limit rows", async () => {
  const { fetch, calls } = fakeFetch((call) =>
    call.url.includes("vision") ? jsonResponse({ responses: [{}] }) : completion('{"entities": []}')
  );
  const { ocr, ai } = providersFromEnv(BASE, { fetch });
  assertEquals([ocr.name, ocr.rateLimit], ["google_vision", {
    provider_name: "google",
    api_endpoint: "vision-api",
  }]);
  assertEquals([ai.name, ai.rateLimit], ["openai", {
    provider_name: "openai",
    api_endpoint: "gpt-4o-mini",
  }]);
  await ocr.recognize({ kind: "image", bytes: new Uint8Array([1]), mimeType: "image/png" });
  await ai.detectEntities({ pageNumber: 1, text: "x" });
  assertEquals(calls[0].url, "https://vision.googleapis.com/v1/images:annotate?key=g-secret-value");
  assertEquals(calls[1].url, "https://api.openai.com/v1/chat/completions");
  assertEquals(JSON.parse(calls[1].body).model, "gpt-4o-mini");
});

Deno.test("every setting reaches the adapters: base URLs, keys, models and rate-limit rows", async () => {
  const env: Env = {
    OCR_PROVIDER: "openai",
    AI_BASE_URL: "http://127.0.0.1:9/v1",
    AI_API_KEY: "ai-key",
    AI_MODEL: "local-model",
    AI_RATE_LIMIT: "local:llm",
    OCR_OPENAI_BASE_URL: "http://127.0.0.1:8/v1",
    OCR_OPENAI_API_KEY: "ocr-key",
    OCR_OPENAI_MODEL: "local-vision",
    OCR_OPENAI_RATE_LIMIT: "local:vision",
  };
  const { fetch, calls } = fakeFetch(() => completion('{"entities": []}'));
  const { ocr, ai } = providersFromEnv(env, { fetch });
  assertEquals([ocr.name, ocr.rateLimit], ["openai_vision", {
    provider_name: "local",
    api_endpoint: "vision",
  }]);
  assertEquals(ai.rateLimit, { provider_name: "local", api_endpoint: "llm" });
  await ocr.recognize({ kind: "image", bytes: new Uint8Array([1]), mimeType: "image/png" });
  await ai.detectEntities({ pageNumber: 1, text: "x" });
  assertEquals(
    calls.map((c) => [c.url, c.headers.get("authorization"), JSON.parse(c.body).model]),
    [
      ["http://127.0.0.1:8/v1/chat/completions", "Bearer ocr-key", "local-vision"],
      ["http://127.0.0.1:9/v1/chat/completions", "Bearer ai-key", "local-model"],
    ],
  );
});

Deno.test("OpenAI OCR falls back to the AI endpoint and key; its own row is openai:gpt-4-vision", async () => {
  const { fetch, calls } = fakeFetch(() => completion("text"));
  const { ocr } = providersFromEnv({
    ...BASE,
    OCR_PROVIDER: "openai",
    AI_BASE_URL: "http://llm.test/v1",
  }, { fetch });
  assertEquals(ocr.rateLimit, { provider_name: "openai", api_endpoint: "gpt-4-vision" });
  await ocr.recognize({ kind: "image", bytes: new Uint8Array([1]), mimeType: "image/png" });
  assertEquals(calls[0].url, "http://llm.test/v1/chat/completions");
  assertEquals(calls[0].headers.get("authorization"), "Bearer sk-secret-value");
  assertEquals(JSON.parse(calls[0].body).model, "gpt-4o-mini");
});

Deno.test("the Google Vision base URL and the timeouts are configurable", async () => {
  const { fetch, calls } = fakeFetch(() => jsonResponse({ responses: [{}] }));
  const { ocr } = providersFromEnv({ ...BASE, GOOGLE_VISION_BASE_URL: "http://127.0.0.1:7" }, {
    fetch,
  });
  await ocr.recognize({ kind: "image", bytes: new Uint8Array([1]), mimeType: "image/png" });
  assert(calls[0].url.startsWith("http://127.0.0.1:7/v1/images:annotate?key="), calls[0].url);

  const slow = providersFromEnv({ ...BASE, OCR_TIMEOUT_MS: "30", AI_TIMEOUT_MS: "40" }, {
    fetch: hangingFetch,
  });
  const ocrError = await assertRejects(
    () => slow.ocr.recognize({ kind: "image", bytes: new Uint8Array([1]), mimeType: "image/png" }),
    ProviderError,
  );
  assertEquals(ocrError.message, "google_vision: no answer within 30 ms");
  const aiError = await assertRejects(
    () => slow.ai.detectEntities({ pageNumber: 1, text: "x" }),
    ProviderError,
  );
  assertEquals(aiError.message, "openai: no answer within 40 ms");
});

Deno.test("a missing or invalid setting is refused, naming the variable and not its value", () => {
  const fetch = fakeFetch(() => jsonResponse({})).fetch;
  const cases: [Env, string, string][] = [
    [{ GOOGLE_VISION_API_KEY: "g" }, "AI_API_KEY", "AI_API_KEY is not set"],
    [{ AI_API_KEY: "a" }, "GOOGLE_VISION_API_KEY", "GOOGLE_VISION_API_KEY is not set"],
    [{ ...BASE, AI_API_KEY: "   " }, "AI_API_KEY", "AI_API_KEY is not set"],
    [
      { ...BASE, OCR_PROVIDER: "tesseract" },
      "OCR_PROVIDER",
      "OCR_PROVIDER must be google_vision or openai",
    ],
    [
      { ...BASE, AI_BASE_URL: "ftp://sk-secret-value@x" },
      "AI_BASE_URL",
      "AI_BASE_URL must be an http(s) URL",
    ],
    [
      { ...BASE, GOOGLE_VISION_BASE_URL: "vision" },
      "GOOGLE_VISION_BASE_URL",
      "GOOGLE_VISION_BASE_URL must be an http(s) URL",
    ],
    [
      { ...BASE, OCR_PROVIDER: "openai", OCR_OPENAI_BASE_URL: "nope" },
      "OCR_OPENAI_BASE_URL",
      "OCR_OPENAI_BASE_URL must be an http(s) URL",
    ],
    [
      { ...BASE, AI_TIMEOUT_MS: "0" },
      "AI_TIMEOUT_MS",
      "AI_TIMEOUT_MS must be a whole number of milliseconds from 1 to 150000",
    ],
    [
      { ...BASE, OCR_TIMEOUT_MS: "200000" },
      "OCR_TIMEOUT_MS",
      "OCR_TIMEOUT_MS must be a whole number of milliseconds from 1 to 150000",
    ],
    [
      { ...BASE, AI_TIMEOUT_MS: "1.5" },
      "AI_TIMEOUT_MS",
      "AI_TIMEOUT_MS must be a whole number of milliseconds from 1 to 150000",
    ],
    [
      { ...BASE, AI_RATE_LIMIT: "openai" },
      "AI_RATE_LIMIT",
      "AI_RATE_LIMIT must be provider_name:api_endpoint, e.g. openai:gpt-4o-mini",
    ],
    [
      { ...BASE, GOOGLE_VISION_RATE_LIMIT: "a:b:c" },
      "GOOGLE_VISION_RATE_LIMIT",
      "GOOGLE_VISION_RATE_LIMIT must be provider_name:api_endpoint, e.g. openai:gpt-4o-mini",
    ],
  ];
  for (const [env, variable, message] of cases) {
    const error = assertThrows(() => providersFromEnv(env, { fetch }), ProviderConfigError);
    assertEquals([error.variable, error.message], [variable, message]);
    assert(!error.message.includes("secret"), error.message);
  }
});

Deno.test("an OCR provider's own settings are not required when another one is chosen", () => {
  const fetch = fakeFetch(() => jsonResponse({})).fetch;
  // No GOOGLE_VISION_API_KEY: fine with OpenAI OCR.
  assertEquals(
    providersFromEnv({ AI_API_KEY: "a", OCR_PROVIDER: "openai" }, { fetch }).ocr.name,
    "openai_vision",
  );
  // A bad OCR_OPENAI_* setting does not matter with Google Vision.
  assertEquals(
    providersFromEnv({ ...BASE, OCR_OPENAI_BASE_URL: "nope" }, { fetch }).ocr.name,
    "google_vision",
  );
});
