// Picks and configures the OCR and AI providers from environment variables. Pure: the
// caller passes the environment (Deno.env.toObject()) and fetch. A missing or invalid
// setting throws ProviderConfigError naming the variable (never echoing its value).
//
//   OCR_PROVIDER            google_vision (default) | openai
//   GOOGLE_VISION_API_KEY   required when OCR_PROVIDER=google_vision
//   GOOGLE_VISION_BASE_URL  default https://vision.googleapis.com
//   OCR_OPENAI_MODEL        default gpt-4o-mini (OCR_PROVIDER=openai)
//   OCR_OPENAI_BASE_URL, OCR_OPENAI_API_KEY   default AI_BASE_URL, AI_API_KEY
//   AI_BASE_URL             default https://api.openai.com/v1 (any OpenAI-compatible endpoint)
//   AI_API_KEY              required
//   AI_MODEL                default gpt-4o-mini
//   OCR_TIMEOUT_MS, AI_TIMEOUT_MS   per call; default 30000 and 60000, at most 150000
//   GOOGLE_VISION_RATE_LIMIT, OCR_OPENAI_RATE_LIMIT, AI_RATE_LIMIT
//     the api_rate_limits row each one counts against, as provider_name:api_endpoint;
//     default google:vision-api, openai:gpt-4-vision, openai:gpt-4o-mini (the seeded rows)

import { z } from "zod";
import { createGoogleVisionOcr } from "./google_vision.ts";
import { createOpenAIPasses } from "./openai_passes.ts";
import { createOpenAIVisionOcr } from "./openai_vision.ts";
import type { AiProvider, OcrProvider, ProviderDeps, RateLimitKey } from "./types.ts";

export type Env = Record<string, string | undefined>;

export class ProviderConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(message);
    this.name = "ProviderConfigError";
  }
}

/** The hosted Edge Runtime ends an invocation at 150 s; one call must fit inside it. */
const MAX_TIMEOUT_MS = 150_000;

const HttpUrl = z.url({ protocol: /^https?$/ });
const Millis = z.coerce.number().int().min(1).max(MAX_TIMEOUT_MS);
const Text = z.string().min(1);
const RateLimit = z.string().regex(/^[^:\s]+:[^:\s]+$/).transform((value): RateLimitKey => {
  const [provider_name, api_endpoint] = value.split(":");
  return { provider_name, api_endpoint };
});

function setting<T>(
  env: Env,
  name: string,
  schema: z.ZodType<T>,
  rule: string,
  fallback?: string,
): T {
  const raw = env[name]?.trim() || fallback;
  if (raw === undefined) throw new ProviderConfigError(name, `${name} is not set`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new ProviderConfigError(name, `${name} ${rule}`);
  return parsed.data;
}

const url = (env: Env, name: string, fallback?: string) =>
  setting(env, name, HttpUrl, "must be an http(s) URL", fallback);
const millis = (env: Env, name: string, fallback: number) =>
  setting(
    env,
    name,
    Millis,
    `must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}`,
    String(fallback),
  );
const text = (env: Env, name: string, fallback?: string) =>
  setting(env, name, Text, "must not be empty", fallback);
const rateLimit = (env: Env, name: string, fallback: string) =>
  setting(
    env,
    name,
    RateLimit,
    "must be provider_name:api_endpoint, e.g. openai:gpt-4o-mini",
    fallback,
  );

export interface Providers {
  ocr: OcrProvider;
  ai: AiProvider;
}

export function providersFromEnv(env: Env, deps: ProviderDeps): Providers {
  const ai = {
    baseURL: url(env, "AI_BASE_URL", "https://api.openai.com/v1"),
    apiKey: text(env, "AI_API_KEY"),
    model: text(env, "AI_MODEL", "gpt-4o-mini"),
    timeoutMs: millis(env, "AI_TIMEOUT_MS", 60_000),
    rateLimit: rateLimit(env, "AI_RATE_LIMIT", "openai:gpt-4o-mini"),
  };
  const ocrProvider = setting(
    env,
    "OCR_PROVIDER",
    z.enum(["google_vision", "openai"]),
    "must be google_vision or openai",
    "google_vision",
  );
  const ocrTimeoutMs = millis(env, "OCR_TIMEOUT_MS", 30_000);
  const ocr = ocrProvider === "google_vision"
    ? createGoogleVisionOcr({
      baseURL: url(env, "GOOGLE_VISION_BASE_URL", "https://vision.googleapis.com"),
      apiKey: text(env, "GOOGLE_VISION_API_KEY"),
      timeoutMs: ocrTimeoutMs,
      rateLimit: rateLimit(env, "GOOGLE_VISION_RATE_LIMIT", "google:vision-api"),
    }, deps)
    : createOpenAIVisionOcr({
      baseURL: url(env, "OCR_OPENAI_BASE_URL", ai.baseURL),
      apiKey: text(env, "OCR_OPENAI_API_KEY", ai.apiKey),
      model: text(env, "OCR_OPENAI_MODEL", "gpt-4o-mini"),
      timeoutMs: ocrTimeoutMs,
      rateLimit: rateLimit(env, "OCR_OPENAI_RATE_LIMIT", "openai:gpt-4-vision"),
    }, deps);
  return { ocr, ai: createOpenAIPasses(ai, deps) };
}
