// What every step gets: the deps, who holds the job, the job, and its document.

import type { Entity, PageText } from "../providers/types.ts";
import type { CapacityScope } from "./capacity.ts";
import type { WorkerDeps } from "./deps.ts";
import type { DocumentHandle } from "./document.ts";
import type { Job } from "./job.ts";
import type { Progress } from "./steps.ts";

export interface StepContext {
  deps: WorkerDeps;
  workerId: string;
  job: Job;
  document: DocumentHandle;
  results: RecordedResults;
}

/**
 * What this invocation recorded for the job, so a later step reads it here rather than from
 * the database: every record is fenced by the lease this invocation holds, so what it wrote
 * is what the database has. Results of earlier invocations are read from the database.
 */
export interface RecordedResults {
  pages: Map<number, PageText>;
  entities: Map<number, Entity[]>;
}

export function recordedResults(): RecordedResults {
  return { pages: new Map(), entities: new Map() };
}

/**
 * recorded: the step's record_* RPC wrote (or had already written) its result and merged
 * `progress` into job_result. Not recorded: the lease was lost and nothing was written.
 */
export type StepResult = { recorded: true; progress: Partial<Progress> } | { recorded: false };

/** The arguments every fenced RPC starts with. */
export function fence(ctx: StepContext): { p_job_id: string; p_worker_id: string } {
  return { p_job_id: ctx.job.id, p_worker_id: ctx.workerId };
}

export function capacityScope(ctx: StepContext): CapacityScope {
  return { rpc: ctx.deps.rpc, jobId: ctx.job.id, workerId: ctx.workerId, log: ctx.deps.log };
}

export function recorded(ok: boolean, progress: Partial<Progress>): StepResult {
  return ok ? { recorded: true, progress } : { recorded: false };
}

/** The text recorded for a page (the text step ran before any pass). */
export async function readPage(ctx: StepContext, pageNumber: number): Promise<PageText> {
  const ours = ctx.results.pages.get(pageNumber);
  if (ours) return ours;
  const [page] = await ctx.deps.readPages(ctx.job.shellFileId, pageNumber);
  if (!page) throw new Error(`shell_file_pages has no row for page ${pageNumber}`);
  return page;
}
