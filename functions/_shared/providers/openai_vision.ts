// OCR through an OpenAI vision model: one chat completion with the page as an image part.
// The model reads images only, and pdf.js cannot rasterise a page without a canvas, so a
// PDF page is sent as the scanned image it embeds (pdf.ts); a page that draws no image
// (vector text without a text layer) cannot be read this way and fails permanently.

import { toBase64 } from "../base64.ts";
import { openPdf, PdfError } from "../pdf.ts";
import { invalidAnswer, ProviderError, usageOf } from "./errors.ts";
import { createChat, type OpenAISettings } from "./openai_client.ts";
import { SYSTEM_PROMPTS } from "./prompts.ts";
import type { OcrInput, OcrProvider, ProviderDeps, RateLimitKey } from "./types.ts";

export const OPENAI_VISION = "openai_vision";

/** What OpenAI's vision input accepts. */
const IMAGE_TYPES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

function unreadable(message: string): ProviderError {
  return new ProviderError({
    kind: "permanent",
    provider: OPENAI_VISION,
    message,
    usage: usageOf(0),
  });
}

async function asImage(input: OcrInput): Promise<{ bytes: Uint8Array; mimeType: string }> {
  if (input.kind === "image") {
    if (!IMAGE_TYPES.has(input.mimeType)) {
      throw unreadable(`cannot read ${input.mimeType}; it reads ${[...IMAGE_TYPES].join(", ")}`);
    }
    return input;
  }
  let image;
  try {
    const doc = await openPdf(input.pdf);
    try {
      image = await doc.pageImage(input.pageNumber);
    } finally {
      await doc.close();
    }
  } catch (error) {
    if (error instanceof PdfError || error instanceof RangeError) throw unreadable(error.message);
    throw error;
  }
  if (!image) {
    throw unreadable(`page ${input.pageNumber} has no text layer and no scanned image to read`);
  }
  return { bytes: image.png, mimeType: "image/png" };
}

export function createOpenAIVisionOcr(
  settings: OpenAISettings & { rateLimit: RateLimitKey },
  deps: ProviderDeps,
): OcrProvider {
  const chat = createChat(OPENAI_VISION, settings, deps);
  return {
    name: OPENAI_VISION,
    rateLimit: settings.rateLimit,
    async recognize(input, options) {
      const image = await asImage(input);
      const answer = await chat({
        messages: [
          { role: "system", content: SYSTEM_PROMPTS.ocr },
          {
            role: "user",
            content: [
              { type: "text", text: "Transcribe this page." },
              {
                type: "image_url",
                image_url: {
                  url: `data:${image.mimeType};base64,${toBase64(image.bytes)}`,
                  detail: "high",
                },
              },
            ],
          },
        ],
      }, options);
      if (answer.content === null) {
        throw invalidAnswer(OPENAI_VISION, "no text content", answer.usage);
      }
      return { text: answer.content.trim(), confidence: null, usage: answer.usage };
    },
  };
}
