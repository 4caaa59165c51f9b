// What a step's error means for its job: wait and come back (reschedule, no retry counted),
// fail and retry later, or fail for good. The error recorded with the job names the step and
// a code; its message comes from our own errors, which never carry document text.

import { PdfError, type PdfErrorCode } from "../pdf.ts";
import { ProviderError } from "../providers/errors.ts";
import { NoCapacityError } from "./capacity.ts";
import { DocumentError } from "./document.ts";
import { InvalidJobError } from "./job.ts";
import type { Step } from "./steps.ts";

/** fail_shell_file_job's p_error; {code, message} is what the user is shown. */
export interface JobError {
  code: string;
  message: string;
  step: Step["kind"] | "claim";
  page?: number;
  provider?: string;
  status?: number;
}

export type Outcome =
  | { kind: "reschedule"; delaySeconds: number; reason: string }
  | { kind: "fail"; retryable: boolean; error: JobError };

/** No slot now: the windows are per minute, so a few seconds (plus the RPC's jitter) will do. */
export const NO_CAPACITY_DELAY_SECONDS = 10;
/** A 429 without Retry-After. */
export const RATE_LIMITED_DELAY_SECONDS = 30;
/** fail_shell_file_job shows the user a fixed message per code; these are its PDF codes. */
const PDF_ERROR_CODES: Record<PdfErrorCode, string> = {
  not_pdf: "invalid_document",
  encrypted: "encrypted_document",
  corrupt: "corrupt_document",
};
/** reschedule_job's upper bound. */
const MAX_DELAY_SECONDS = 86_400;

export function outcomeOf(error: unknown, step: Step | null): Outcome {
  const where = {
    step: step?.kind ?? "claim",
    ...(step && "page" in step ? { page: step.page } : {}),
  } as const;
  if (error instanceof NoCapacityError) {
    return { kind: "reschedule", delaySeconds: NO_CAPACITY_DELAY_SECONDS, reason: error.message };
  }
  if (error instanceof ProviderError) {
    if (error.kind === "rate_limited") {
      return {
        kind: "reschedule",
        delaySeconds: Math.min(
          error.retryAfterSeconds ?? RATE_LIMITED_DELAY_SECONDS,
          MAX_DELAY_SECONDS,
        ),
        reason: `rate limited by ${error.provider}`,
      };
    }
    const provider = {
      provider: error.provider,
      ...(error.status === null ? {} : { status: error.status }),
    };
    return error.kind === "transient"
      ? fail(true, { code: "provider_unavailable", message: error.message, ...where, ...provider })
      : fail(false, { code: "provider_rejected", message: error.message, ...where, ...provider });
  }
  if (error instanceof PdfError) {
    return fail(false, { code: PDF_ERROR_CODES[error.code], message: error.message, ...where });
  }
  if (error instanceof DocumentError) {
    return fail(false, { code: error.code, message: error.message, ...where });
  }
  if (error instanceof InvalidJobError) {
    return fail(false, { code: "invalid_job", message: error.message, ...where });
  }
  // Anything else (a database or network hiccup, a bug) may pass on another attempt; the
  // job's max_retries bounds how often.
  return fail(true, {
    code: "internal_error",
    message: "Processing failed unexpectedly.",
    ...where,
  });
}

function fail(retryable: boolean, error: JobError): Outcome {
  return { kind: "fail", retryable, error };
}
