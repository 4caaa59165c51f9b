// Every provider call goes through withCapacity: a slot from acquire_api_capacity first, the
// slot back with what the call actually used afterwards, whether it succeeded or not, so the
// rate limiter's windows count real tokens and no slot leaks.

import { ProviderError } from "../providers/errors.ts";
import type { RateLimitKey, Usage } from "../providers/types.ts";
import type { Rpc } from "./rpc.ts";

/** acquire_api_capacity said no: the job waits (reschedule), it has not failed. */
export class NoCapacityError extends Error {
  constructor(readonly key: RateLimitKey) {
    super(`no capacity for ${key.provider_name}:${key.api_endpoint}`);
    this.name = "NoCapacityError";
  }
}

export interface CapacityScope {
  rpc: Rpc;
  jobId: string;
  workerId: string;
  log(entry: Record<string, unknown>): void;
}

/** Roughly 4 characters a token, plus room for the prompt and the answer. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 1000;
}

/** An OCR call: one page image (a high-detail image is ~1000 tokens for a vision model). */
export const OCR_ESTIMATED_TOKENS = 1500;

export async function withCapacity<T extends { usage: Usage }>(
  scope: CapacityScope,
  key: RateLimitKey,
  estimatedTokens: number,
  call: () => Promise<T>,
): Promise<T> {
  const lease = await scope.rpc("acquire_api_capacity", {
    p_provider_name: key.provider_name,
    p_api_endpoint: key.api_endpoint,
    p_estimated_tokens: estimatedTokens,
    p_job_id: scope.jobId,
    p_worker_id: scope.workerId,
  });
  if (lease === null) throw new NoCapacityError(key);
  // null = unknown (no answer arrived): release keeps the estimate.
  let usage: Usage | null = null;
  try {
    const result = await call();
    usage = result.usage;
    return result;
  } catch (error) {
    if (error instanceof ProviderError) usage = error.usage;
    throw error;
  } finally {
    try {
      await scope.rpc("release_api_capacity", {
        p_lease_id: lease,
        p_actual_tokens: usage?.tokens ?? null,
      });
    } catch (error) {
      // A failed release must not lose a result already paid for, nor hide the call's own
      // error; reclaim_expired_capacity frees the slot after rate_limit.capacity_lease_seconds.
      scope.log({
        event: "release_api_capacity_failed",
        job_id: scope.jobId,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
