// The real dependencies of the job worker, from an environment: the service-role supabase-js
// client (RPCs, result reads, Storage), the providers the environment picks, the wall clock
// and fetch. One builder for both hosts of the step engine (runInvocation):
//   - the job-worker Edge Function (functions/job-worker/deps.ts): chains a new invocation
//     when its budget is spent, and keeps its work alive with EdgeRuntime.waitUntil;
//   - the optional long-running worker (workers/long_running.ts): never chains (it loops).

import type { SupabaseClient } from "@supabase/supabase-js";
import { providersFromEnv } from "../providers/config.ts";
import type { ClinicalItem, Entity } from "../providers/types.ts";
import { serviceClient } from "../supabase.ts";
import type { WorkerDeps } from "./deps.ts";
import { DocumentError } from "./document.ts";
import { type Rpc, RpcError } from "./rpc.ts";
import { workerSettings } from "./settings.ts";

type Env = Record<string, string | undefined>;

/** What differs between the hosts of the step engine. */
export interface WorkerHost {
  /**
   * true: a spent budget hands the rest to a new job-worker invocation (an Edge Function
   * must return within its wall clock). false: the caller runs the next round itself.
   */
  chain: boolean;
  /** Keeps work alive after the response (EdgeRuntime.waitUntil on the Edge Runtime). */
  waitUntil(work: Promise<unknown>): void;
}

/** PostgREST answers at most max_rows (1000) rows a request. */
const PAGE_ROWS = 1000;

export function serviceWorkerDeps(env: Env, host: WorkerHost): WorkerDeps {
  const settings = workerSettings(env, { chain: host.chain });
  const client = serviceClient({
    SUPABASE_URL: settings.supabaseUrl,
    SUPABASE_SERVICE_ROLE_KEY: settings.serviceRoleKey,
  });
  return {
    settings,
    rpc: (async (name: string, args: Record<string, unknown>) => {
      const { data, error } = await client.rpc(name, args);
      if (error) throw new RpcError(name, error.code || null, error.message);
      return data;
    }) as Rpc,
    downloadDocument: (bucket, path) => download(client, bucket, path),
    ...reads(client),
    providers: providersFromEnv(env, { fetch }),
    // config.ts's default model; see the report: AiProvider does not expose its model yet.
    aiModel: env.AI_MODEL?.trim() || "gpt-4o-mini",
    now: Date.now,
    sleep,
    fetch,
    newWorkerId: () => crypto.randomUUID(),
    waitUntil: (work) => host.waitUntil(work),
    log: (entry) => console.log(JSON.stringify(entry)),
  };
}

/** setTimeout, cut short (and its timer cleared) when `stop` is aborted. */
function sleep(ms: number, stop?: AbortSignal): Promise<void> {
  if (stop?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      stop?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    stop?.addEventListener("abort", done);
  });
}

async function download(client: SupabaseClient, bucket: string, path: string) {
  const { data, error } = await client.storage.from(bucket).download(path);
  if (error) {
    // Storage answers a missing object with HTTP 400 and code NoSuchKey (older hosted
    // versions: statusCode "404" and no code), as the intake's objectSize reads it.
    const { code, statusCode, status } = error as {
      code?: string;
      statusCode?: string;
      status?: number;
    };
    if (code === "NoSuchKey" || statusCode === "404" || status === 404) {
      throw new DocumentError("document_not_found", "The uploaded file is no longer in storage.");
    }
    // Storage's message names the object; the job error must not.
    throw new Error(`storage download failed (${statusCode ?? status ?? "no status"})`);
  }
  return new Uint8Array(await data.arrayBuffer());
}

type Page<T> = PromiseLike<{ data: T[] | null; error: { message: string } | null }>;

/** Every row of a query, PAGE_ROWS at a time. */
async function selectAll<T>(table: string, query: (from: number, to: number) => Page<T>) {
  const rows: T[] = [];
  for (let from = 0;; from += PAGE_ROWS) {
    const { data, error } = await query(from, from + PAGE_ROWS - 1);
    if (error) throw new Error(`reading ${table} failed: ${error.message}`);
    rows.push(...data ?? []);
    if ((data?.length ?? 0) < PAGE_ROWS) return rows;
  }
}

function reads(client: SupabaseClient): Pick<
  WorkerDeps,
  "readPages" | "readEntities" | "readExtractions"
> {
  return {
    async readPages(shellFileId, pageNumber) {
      const rows = await selectAll<{ page_number: number; page_text: string }>(
        "shell_file_pages",
        (from, to) => {
          const query = client.from("shell_file_pages").select("page_number, page_text")
            .eq("shell_file_id", shellFileId);
          return (pageNumber === undefined ? query : query.eq("page_number", pageNumber))
            .order("page_number").range(from, to);
        },
      );
      return rows.map((row) => ({ pageNumber: row.page_number, text: row.page_text }));
    },
    async readEntities(shellFileId, pageNumber) {
      const { data, error } = await client.from("page_entity_detections").select("entities")
        .eq("shell_file_id", shellFileId).eq("page_number", pageNumber).maybeSingle();
      if (error) throw new Error(`reading page_entity_detections failed: ${error.message}`);
      return data ? data.entities as Entity[] : null;
    },
    async readExtractions(shellFileId) {
      const rows = await selectAll<ClinicalItem>(
        "clinical_extractions",
        (from, to) =>
          client.from("clinical_extractions").select("category, label, details, confidence")
            .eq("shell_file_id", shellFileId).order("page_number").order("item_index")
            .range(from, to),
      );
      // numeric(5,4) may come back as a string.
      return rows.map((row) => ({ ...row, confidence: Number(row.confidence) }));
    },
  };
}
