// The real dependencies of the job-worker, from the function's environment: the service-role
// supabase-js client (RPCs, result reads, Storage), the providers the environment picks,
// the wall clock, fetch, and the Edge Runtime's waitUntil.

import type { SupabaseClient } from "@supabase/supabase-js";
import { providersFromEnv } from "../_shared/providers/config.ts";
import type { ClinicalItem, Entity } from "../_shared/providers/types.ts";
import type { WorkerDeps } from "../_shared/worker/deps.ts";
import { DocumentError } from "../_shared/worker/document.ts";
import { type Rpc, RpcError } from "../_shared/worker/rpc.ts";
import { workerSettings } from "../_shared/worker/settings.ts";
import { serviceClient } from "../_shared/supabase.ts";

declare const EdgeRuntime: { waitUntil(promise: Promise<unknown>): void };

type Env = Record<string, string | undefined>;

/** PostgREST answers at most max_rows (1000) rows a request. */
const PAGE_ROWS = 1000;

export function workerDeps(env: Env): WorkerDeps {
  const settings = workerSettings(env);
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
    fetch,
    newWorkerId: () => crypto.randomUUID(),
    waitUntil: (work) => EdgeRuntime.waitUntil(work),
    log: (entry) => console.log(JSON.stringify(entry)),
  };
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
  "readPages" | "readEntities" | "readExtractions" | "readUsage"
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
    async readUsage(shellFileId) {
      const entities = await selectAll<{ tokens_used: number }>(
        "page_entity_detections",
        (from, to) =>
          client.from("page_entity_detections").select("tokens_used")
            .eq("shell_file_id", shellFileId).order("page_number").range(from, to),
      );
      const narrative = await client.from("clinical_narratives").select("tokens_used")
        .eq("shell_file_id", shellFileId).maybeSingle();
      const file = await client.from("shell_files").select("processing_started_at")
        .eq("id", shellFileId).single();
      const error = narrative.error ?? file.error;
      if (error) throw new Error(`reading usage failed: ${error.message}`);
      const startedAt: string | null = file.data?.processing_started_at ?? null;
      return {
        tokensUsed: entities.reduce((sum, row) => sum + row.tokens_used, 0) +
          (narrative.data?.tokens_used ?? 0),
        startedAt: startedAt === null ? null : Date.parse(startedAt),
      };
    },
  };
}
