// Everything the worker reaches the world through. service_deps.ts builds the real ones
// (supabase-js service client, providers from the environment, Date.now, fetch) for the
// job-worker function and the long-running worker; unit tests pass fakes
// (tests/support/worker_deps.ts).

import type { ClinicalItem, Entity, PageText } from "../providers/types.ts";
import type { Providers } from "../providers/config.ts";
import type { Rpc } from "./rpc.ts";
import type { WorkerSettings } from "./settings.ts";

export interface WorkerDeps {
  settings: WorkerSettings;
  rpc: Rpc;
  /** The object's bytes; throws DocumentError "document_not_found" when it is not in Storage. */
  downloadDocument(bucket: string, path: string): Promise<Uint8Array>;
  /** shell_file_pages of a document (or only pageNumber), in page order. */
  readPages(shellFileId: string, pageNumber?: number): Promise<PageText[]>;
  /** Pass 1's entities for one page; null when the page has no row. */
  readEntities(shellFileId: string, pageNumber: number): Promise<Entity[] | null>;
  /** Pass 2's items of a document, by page then item_index. */
  readExtractions(shellFileId: string): Promise<ClinicalItem[]>;
  providers: Providers;
  /** The model the AI provider calls, recorded with each AI result. */
  aiModel: string;
  /** Epoch milliseconds. */
  now(): number;
  /**
   * Resolves after `ms` (setTimeout), or at once when `stop` is aborted. Lets an invocation
   * wait for a rescheduled job that is due again within its budget instead of leaving it to
   * the next cron tick. Absent: the invocation never waits (it returns, as a host without
   * timers must).
   */
  sleep?(ms: number, stop?: AbortSignal): Promise<void>;
  fetch: typeof fetch;
  newWorkerId(): string;
  /** EdgeRuntime.waitUntil: keeps the invocation alive after the response. */
  waitUntil(work: Promise<unknown>): void;
  /** One structured line; callers never pass document text. */
  log(entry: Record<string, unknown>): void;
}
