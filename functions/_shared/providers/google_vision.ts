// OCR through the Google Cloud Vision REST API with an API key: images:annotate for an
// image, files:annotate with `pages: [n]` for one page of a PDF (Vision rasterises it).
// Vision reports errors in two places: the HTTP status, and an `error` (google.rpc.Status)
// inside an answer that is otherwise 200; both are classified here.

import { z } from "zod";
import { toBase64 } from "../base64.ts";
import {
  describeIssues,
  invalidAnswer,
  noAnswer,
  ProviderError,
  type ProviderErrorKind,
  statusError,
  usageOf,
} from "./errors.ts";
import type {
  CallOptions,
  OcrInput,
  OcrProvider,
  OcrResult,
  ProviderDeps,
  RateLimitKey,
} from "./types.ts";

export const GOOGLE_VISION = "google_vision";

export interface GoogleVisionSettings {
  baseURL: string;
  apiKey: string;
  timeoutMs: number;
  rateLimit: RateLimitKey;
}

const FEATURES = [{ type: "DOCUMENT_TEXT_DETECTION" }];

const Status = z.object({
  code: z.number().int().optional(),
  status: z.string().optional(),
});

const ImageAnswer = z.object({
  fullTextAnnotation: z.object({
    text: z.string().optional(),
    pages: z.array(z.object({ confidence: z.number().min(0).max(1).optional() })).optional(),
  }).optional(),
  error: Status.optional(),
  context: z.object({ pageNumber: z.number().int().optional() }).optional(),
});

const ImagesAnswer = z.object({ responses: z.array(ImageAnswer).length(1) });

const FilesAnswer = z.object({
  responses: z.array(z.object({
    responses: z.array(ImageAnswer).optional(),
    error: Status.optional(),
  })).length(1),
});

/** HTTP error bodies: { error: { code, message, status } }; only `status` is kept. */
const ErrorBody = z.object({ error: z.object({ status: z.string().optional() }) });

/** google.rpc.Code names by number. */
const RPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];

function rpcKind(code: number): ProviderErrorKind {
  if (code === 8) return "rate_limited";
  if ([2, 4, 10, 13, 14].includes(code)) return "transient";
  return "permanent";
}

function request(input: OcrInput): { method: string; body: unknown } {
  if (input.kind === "image") {
    return {
      method: "images:annotate",
      body: { requests: [{ image: { content: toBase64(input.bytes) }, features: FEATURES }] },
    };
  }
  return {
    method: "files:annotate",
    body: {
      requests: [{
        inputConfig: { content: toBase64(input.pdf), mimeType: "application/pdf" },
        features: FEATURES,
        pages: [input.pageNumber],
      }],
    },
  };
}

export function createGoogleVisionOcr(
  settings: GoogleVisionSettings,
  deps: ProviderDeps,
): OcrProvider {
  const base = settings.baseURL.replace(/\/+$/, "");
  const now = deps.now ?? Date.now;

  /** POSTs the body and returns the status, headers and body text, within the timeout. */
  async function post(method: string, body: unknown, options: CallOptions) {
    const url = `${base}/v1/${method}?key=${encodeURIComponent(settings.apiKey)}`;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), settings.timeoutMs);
    const signal = options.signal
      ? AbortSignal.any([timeout.signal, options.signal])
      : timeout.signal;
    try {
      const response = await deps.fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal,
      });
      return { status: response.status, headers: response.headers, text: await response.text() };
    } catch {
      const cause = options.signal?.aborted
        ? "aborted"
        : timeout.signal.aborted
        ? "timeout"
        : "network";
      throw noAnswer(GOOGLE_VISION, cause, settings.timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  function answerError(error: z.infer<typeof Status>, where: string): ProviderError {
    const code = error.code ?? 2;
    return new ProviderError({
      kind: rpcKind(code),
      provider: GOOGLE_VISION,
      message: `${where}: ${RPC_CODES[code] ?? `code ${code}`}`,
      usage: usageOf(1),
    });
  }

  function toResult(answer: z.infer<typeof ImageAnswer>, where: string): OcrResult {
    if (answer.error && answer.error.code !== 0) throw answerError(answer.error, where);
    const confidences = (answer.fullTextAnnotation?.pages ?? [])
      .map((page) => page.confidence)
      .filter((c): c is number => c !== undefined);
    return {
      text: (answer.fullTextAnnotation?.text ?? "").trim(),
      confidence: confidences.length
        ? confidences.reduce((a, b) => a + b, 0) / confidences.length
        : null,
      usage: usageOf(1),
    };
  }

  return {
    name: GOOGLE_VISION,
    rateLimit: settings.rateLimit,
    async recognize(input, options = {}) {
      const { method, body } = request(input);
      const response = await post(method, body, options);
      if (response.status < 200 || response.status > 299) {
        let code: string | null = null;
        try {
          code = ErrorBody.parse(JSON.parse(response.text)).error.status ?? null;
        } catch {
          // Not Google's error shape (e.g. a proxy's page): the status says enough.
        }
        throw statusError({
          provider: GOOGLE_VISION,
          status: response.status,
          headers: response.headers,
          code,
          now: now(),
        });
      }
      let json: unknown;
      try {
        json = JSON.parse(response.text);
      } catch {
        throw invalidAnswer(GOOGLE_VISION, "response body is not JSON", usageOf(1));
      }
      if (input.kind === "image") {
        const parsed = ImagesAnswer.safeParse(json);
        if (!parsed.success) {
          throw invalidAnswer(GOOGLE_VISION, describeIssues(parsed.error), usageOf(1));
        }
        return toResult(parsed.data.responses[0], "image");
      }
      const parsed = FilesAnswer.safeParse(json);
      if (!parsed.success) {
        throw invalidAnswer(GOOGLE_VISION, describeIssues(parsed.error), usageOf(1));
      }
      const file = parsed.data.responses[0];
      const where = `page ${input.pageNumber}`;
      if (file.error && file.error.code !== 0) throw answerError(file.error, where);
      const pages = file.responses ?? [];
      const page = pages.find((p) => p.context?.pageNumber === input.pageNumber) ??
        (pages.length === 1 ? pages[0] : undefined);
      if (!page) throw invalidAnswer(GOOGLE_VISION, `no answer for ${where}`, usageOf(1));
      return toResult(page, where);
    },
  };
}
