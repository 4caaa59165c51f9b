// How a failed provider call is reported to the pipeline: what kind of failure (wait, retry,
// or give up), which provider, and what the call consumed. Messages are built from status
// codes and field paths only, never from the provider's free text or the model's answer,
// so no document text can leak into job errors or logs.

import type { z } from "zod";
import type { Usage } from "./types.ts";

/**
 * rate_limited: the provider said 429; wait (retryAfterSeconds when it said how long).
 * transient: 5xx, timeout, network, caller abort, an answer that failed validation; retry
 *   with backoff (a model's malformed answer is rarely repeated, and max_retries bounds it).
 * permanent: any other 4xx, an input the provider cannot read.
 */
export type ProviderErrorKind = "rate_limited" | "transient" | "permanent";

export class ProviderError extends Error {
  readonly kind: ProviderErrorKind;
  readonly provider: string;
  /** What the call consumed; null when no answer arrived (timeout, network), so it is unknown. */
  readonly usage: Usage | null;
  readonly retryAfterSeconds: number | null;
  /** The HTTP status, when the provider answered with one. */
  readonly status: number | null;

  constructor(init: {
    kind: ProviderErrorKind;
    provider: string;
    message: string;
    usage: Usage | null;
    retryAfterSeconds?: number | null;
    status?: number | null;
  }) {
    super(`${init.provider}: ${init.message}`);
    this.name = "ProviderError";
    this.kind = init.kind;
    this.provider = init.provider;
    this.usage = init.usage;
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    this.status = init.status ?? null;
  }
}

export function usageOf(requests: number, promptTokens = 0, completionTokens = 0): Usage {
  return { requests, promptTokens, completionTokens, tokens: promptTokens + completionTokens };
}

/**
 * Seconds to wait from Retry-After (delta seconds or an HTTP date) or OpenAI's
 * retry-after-ms; null when neither is there or readable.
 */
export function retryAfterSeconds(headers: Headers | undefined, now: number): number | null {
  const ms = Number(headers?.get("retry-after-ms") ?? NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.ceil(ms / 1000);
  const value = headers?.get("retry-after")?.trim();
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.ceil(Number(value));
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - now) / 1000));
}

export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return "rate_limited";
  if (status === 408 || status === 409 || status >= 500) return "transient";
  return "permanent";
}

/** An HTTP error status; `code` is the provider's machine-readable error code, if any. */
export function statusError(init: {
  provider: string;
  status: number;
  headers?: Headers;
  code?: string | null;
  now: number;
  kind?: ProviderErrorKind;
}): ProviderError {
  const kind = init.kind ?? kindForStatus(init.status);
  const retryAfter = kind === "rate_limited" ? retryAfterSeconds(init.headers, init.now) : null;
  const code = init.code ? ` ${init.code}` : "";
  const wait = retryAfter === null ? "" : `, retry after ${retryAfter} s`;
  return new ProviderError({
    kind,
    provider: init.provider,
    message: `HTTP ${init.status}${code}${wait}`,
    usage: usageOf(1),
    retryAfterSeconds: retryAfter,
    status: init.status,
  });
}

/** Field paths and issue codes of a failed parse; never the values. */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) =>
    `${issue.path.length ? issue.path.join(".") : "(root)"}: ${issue.code}`
  );
  const more = error.issues.length > shown.length
    ? `; +${error.issues.length - shown.length} more`
    : "";
  return shown.join("; ") + more;
}

export function invalidAnswer(provider: string, detail: string, usage: Usage): ProviderError {
  return new ProviderError({
    kind: "transient",
    provider,
    message: `invalid answer: ${detail}`,
    usage,
  });
}

/** No HTTP answer: the adapter's timeout fired, the caller aborted, or the network failed. */
export function noAnswer(
  provider: string,
  cause: "timeout" | "aborted" | "network",
  timeoutMs: number,
): ProviderError {
  const message = cause === "timeout"
    ? `no answer within ${timeoutMs} ms`
    : cause === "aborted"
    ? "aborted by the caller"
    : "network error";
  return new ProviderError({ kind: "transient", provider, message, usage: null });
}
