// OCR through an OpenAI vision model, against a fake fetch: the page goes as an image part
// (a scanned PDF page as the PNG of its embedded image), the text comes back as it is, and
// inputs the model cannot read fail before anything is sent.

import { assert, assertEquals, assertRejects } from "@std/assert";
import { fromBase64 } from "../../functions/_shared/base64.ts";
import { ProviderError } from "../../functions/_shared/providers/errors.ts";
import { createOpenAIVisionOcr } from "../../functions/_shared/providers/openai_vision.ts";
import { passOf } from "../../functions/_shared/providers/prompts.ts";
import { fakeFetch, jsonResponse } from "../support/fake_fetch.ts";
import { decodePng } from "../support/png.ts";

const SETTINGS = {
  baseURL: "https://llm.example.test/v1",
  apiKey: "sk-vision",
  model: "vision-model",
  timeoutMs: 5000,
  rateLimit: { provider_name: "openai", api_endpoint: "gpt-4-vision" },
};
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9, 9, 9]);
const sample = (name: string) => Deno.readFile(new URL(`../../samples/${name}`, import.meta.url));

const answer = (content: string | null) =>
  jsonResponse({
    id: "c",
    object: "chat.completion",
    created: 1,
    model: "vision-model",
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage: { prompt_tokens: 900, completion_tokens: 40, total_tokens: 940 },
  });

function vision(fetch: typeof globalThis.fetch) {
  return createOpenAIVisionOcr(SETTINGS, { fetch });
}

/** The image part's data URL, split. */
function imagePart(body: string): { mimeType: string; bytes: Uint8Array; detail: string } {
  const parts = JSON.parse(body).messages[1].content;
  const image = parts.find((p: { type: string }) => p.type === "image_url").image_url;
  const [, mimeType, data] = /^data:([^;]+);base64,(.*)$/.exec(image.url)!;
  return { mimeType, bytes: fromBase64(data), detail: image.detail };
}

Deno.test("an image goes as a data: URL image part under the OCR marker; the text comes back", async () => {
  const { fetch, calls } = fakeFetch(() => answer("Allergy: Latex\n"));
  const ocr = vision(fetch);
  assertEquals([ocr.name, ocr.rateLimit], ["openai_vision", SETTINGS.rateLimit]);
  const result = await ocr.recognize({ kind: "image", bytes: PNG, mimeType: "image/png" });
  assertEquals(calls[0].url, "https://llm.example.test/v1/chat/completions");
  assertEquals(calls[0].headers.get("authorization"), "Bearer sk-vision");
  const body = JSON.parse(calls[0].body);
  assertEquals(body.model, "vision-model");
  assertEquals(passOf(body.messages[0].content), "ocr");
  assertEquals(imagePart(calls[0].body), { mimeType: "image/png", bytes: PNG, detail: "high" });
  assertEquals(result, {
    text: "Allergy: Latex",
    confidence: null,
    usage: { requests: 1, promptTokens: 900, completionTokens: 40, tokens: 940 },
  });
});

Deno.test("a scanned PDF page is sent as the PNG of the image it embeds", async () => {
  const { fetch, calls } = fakeFetch(() => answer("Northside Family Clinic"));
  const pdf = await sample("scanned-referral.pdf");
  const result = await vision(fetch).recognize({ kind: "pdf_page", pdf, pageNumber: 1 });
  assertEquals(result.text, "Northside Family Clinic");
  const { mimeType, bytes } = imagePart(calls[0].body);
  assertEquals(mimeType, "image/png");
  const png = await decodePng(bytes);
  assertEquals([png.width, png.height], [1275, 825]);
});

Deno.test("a blank page (empty answer) is empty text; a null content is an invalid answer, retried", async () => {
  const blank = fakeFetch(() => answer(""));
  assertEquals(
    (await vision(blank.fetch).recognize({ kind: "image", bytes: PNG, mimeType: "image/png" }))
      .text,
    "",
  );
  const broken = fakeFetch(() => answer(null));
  const error = await assertRejects(
    () => vision(broken.fetch).recognize({ kind: "image", bytes: PNG, mimeType: "image/png" }),
    ProviderError,
  );
  assertEquals([error.kind, error.message, error.usage?.tokens], [
    "transient",
    "openai_vision: invalid answer: no text content",
    940,
  ]);
});

Deno.test("what the model cannot read fails permanently before anything is sent", async () => {
  const { fetch, calls } = fakeFetch(() => answer("never"));
  const ocr = vision(fetch);
  const cases = [
    [
      { kind: "image", bytes: PNG, mimeType: "image/tiff" },
      "openai_vision: cannot read image/tiff",
    ],
    // A page with text drawn as vector glyphs and no image: nothing to send.
    [
      { kind: "pdf_page", pdf: await sample("discharge-summary.pdf"), pageNumber: 1 },
      "openai_vision: page 1 has no text layer and no scanned image to read",
    ],
    [
      { kind: "pdf_page", pdf: await sample("password-protected.pdf"), pageNumber: 1 },
      "openai_vision: The PDF is password-protected",
    ],
    [
      { kind: "pdf_page", pdf: await sample("scanned-referral.pdf"), pageNumber: 2 },
      "openai_vision: page 2 is not in 1..1",
    ],
  ] as const;
  for (const [input, message] of cases) {
    const error = await assertRejects(() => ocr.recognize(input), ProviderError);
    assertEquals(error.kind, "permanent");
    assert(error.message.startsWith(message), error.message);
    assertEquals(error.usage?.requests, 0);
  }
  assertEquals(calls.length, 0);
});
