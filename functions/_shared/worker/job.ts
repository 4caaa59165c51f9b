// A claimed shell_file_processing job, checked before any work: the payload the intake wrote
// (where the document is and what it is) and the progress checkpointed so far.

import { z } from "zod";
import { describeIssues } from "../providers/errors.ts";
import type { ClaimedRow } from "./rpc.ts";
import { Progress } from "./steps.ts";

export const JOB_TYPE = "shell_file_processing";

const Payload = z.looseObject({
  storage_bucket: z.string().min(1),
  storage_path: z.string().min(1),
  mime_type: z.string().min(1),
});

export interface Job {
  id: string;
  shellFileId: string;
  payload: z.infer<typeof Payload>;
  progress: Progress;
}

/** The job cannot be processed as queued (payload or progress not the agreed shape). */
export class InvalidJobError extends Error {
  constructor(detail: string) {
    super(`invalid job: ${detail}`);
    this.name = "InvalidJobError";
  }
}

export function jobFromClaim(row: ClaimedRow): Job {
  if (!row.shell_file_id) throw new InvalidJobError("no shell_file_id");
  const payload = Payload.safeParse(row.job_payload);
  if (!payload.success) throw new InvalidJobError(`payload ${describeIssues(payload.error)}`);
  const progress = Progress.safeParse(row.job_result ?? {});
  if (!progress.success) throw new InvalidJobError(`job_result ${describeIssues(progress.error)}`);
  return {
    id: row.job_id,
    shellFileId: row.shell_file_id,
    payload: payload.data,
    progress: progress.data,
  };
}
