// One chat completion through the `openai` client, for any OpenAI-compatible endpoint:
// the client is built from explicit settings (nothing read from the environment, no
// retries: the pipeline retries under its own rate limits), the answer is checked with
// zod, and every failure becomes a ProviderError.

import OpenAI from "openai";
import { z } from "zod";
import {
  describeIssues,
  invalidAnswer,
  noAnswer,
  ProviderError,
  statusError,
  usageOf,
} from "./errors.ts";
import type { CallOptions, ProviderDeps, Usage } from "./types.ts";

export interface OpenAISettings {
  baseURL: string;
  apiKey: string;
  model: string;
  timeoutMs: number;
}

type ChatParams = OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming;

/** The part of a chat completion the adapters use. */
const Completion = z.object({
  choices: z.array(z.object({
    message: z.object({ content: z.string().nullable() }),
    finish_reason: z.string().nullable().optional(),
  })).min(1),
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative(),
    completion_tokens: z.number().int().nonnegative(),
  }).nullable().optional(),
});

export interface Answer {
  content: string | null;
  finishReason: string | null;
  usage: Usage;
}

export type Chat = (params: Omit<ChatParams, "model">, options?: CallOptions) => Promise<Answer>;

/** A chat completion function for one provider name, model and endpoint. */
export function createChat(provider: string, settings: OpenAISettings, deps: ProviderDeps): Chat {
  const client = new OpenAI({
    apiKey: settings.apiKey,
    baseURL: settings.baseURL,
    timeout: settings.timeoutMs,
    maxRetries: 0,
    fetch: deps.fetch,
    // Explicit, so no OPENAI_* variable of the host changes what is sent or logged.
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    logLevel: "off",
  });

  return async (params, options = {}) => {
    let raw: unknown;
    try {
      raw = await client.chat.completions.create(
        { ...params, model: settings.model },
        { signal: options.signal },
      );
    } catch (error) {
      throw fromClientError(error, provider, settings, deps);
    }
    const parsed = Completion.safeParse(raw);
    if (!parsed.success) {
      throw invalidAnswer(
        provider,
        `not a chat completion (${describeIssues(parsed.error)})`,
        usageOf(1),
      );
    }
    const choice = parsed.data.choices[0];
    const content = choice.message.content;
    const reported = parsed.data.usage;
    // An endpoint that omits usage still spent tokens: count about 4 characters per token,
    // so the rate limiter is not told the call was free.
    const usage = reported
      ? usageOf(1, reported.prompt_tokens, reported.completion_tokens)
      : usageOf(
        1,
        Math.ceil(JSON.stringify(params.messages).length / 4),
        Math.ceil((content ?? "").length / 4),
      );
    return { content, finishReason: choice.finish_reason ?? null, usage };
  };
}

function fromClientError(
  error: unknown,
  provider: string,
  settings: OpenAISettings,
  deps: ProviderDeps,
): ProviderError {
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return noAnswer(provider, "timeout", settings.timeoutMs);
  }
  if (error instanceof OpenAI.APIUserAbortError) {
    return noAnswer(provider, "aborted", settings.timeoutMs);
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return noAnswer(provider, "network", settings.timeoutMs);
  }
  if (error instanceof OpenAI.APIError && typeof error.status === "number") {
    const code = typeof error.code === "string" ? error.code : null;
    return statusError({
      provider,
      status: error.status,
      headers: error.headers,
      code,
      now: (deps.now ?? Date.now)(),
      // A 429 for an exhausted quota or billing limit does not pass with waiting.
      kind: error.status === 429 && code === "insufficient_quota" ? "permanent" : undefined,
    });
  }
  if (error instanceof SyntaxError) {
    return invalidAnswer(provider, "response body is not JSON", usageOf(1));
  }
  return new ProviderError({
    kind: "permanent",
    provider,
    message: `unexpected client error (${(error as Error | null)?.name ?? typeof error})`,
    usage: null,
  });
}
