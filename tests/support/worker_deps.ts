// Fakes for every dependency of the job worker (functions/_shared/worker/deps.ts): an RPC
// function backed by a small in-memory database (a queue of claimable jobs and the results
// the record_* RPCs write, which the read* functions read back), documents in a map, scripted
// providers, a clock that moves 1 ms per RPC and as tests move it, and a recording fetch.

import type { WorkerDeps } from "../../functions/_shared/worker/deps.ts";
import { DocumentError } from "../../functions/_shared/worker/document.ts";
import { documentHandle } from "../../functions/_shared/worker/document.ts";
import { recordedResults, type StepContext } from "../../functions/_shared/worker/context.ts";
import { jobFromClaim } from "../../functions/_shared/worker/job.ts";
import type { ClaimedRow, Rpc, RpcName, Rpcs } from "../../functions/_shared/worker/rpc.ts";
import type { Progress } from "../../functions/_shared/worker/steps.ts";
import { usageOf } from "../../functions/_shared/providers/errors.ts";
import type {
  AiProvider,
  ClinicalItem,
  Entity,
  Narrative,
  OcrInput,
  OcrProvider,
  OcrResult,
  PageText,
  Usage,
} from "../../functions/_shared/providers/types.ts";
import { type Call, fakeFetch } from "./fake_fetch.ts";

export const SERVICE_KEY = "service-role-key-for-tests";
export const SUPABASE_URL = "http://supabase.test";
export const T0 = Date.parse("2026-11-22T10:00:00Z");

export const sample = (name: string) =>
  Deno.readFile(new URL(`../../samples/${name}`, import.meta.url));

export function claimedRow(
  init: { job_id?: string; progress?: Progress | null; mime_type?: string; path?: string } = {},
): ClaimedRow {
  return {
    job_id: init.job_id ?? "job-1",
    job_type: "shell_file_processing",
    job_payload: {
      shell_file_id: "file-1",
      patient_id: "patient-1",
      storage_bucket: "medical-docs",
      storage_path: init.path ?? "patient-1/doc.pdf",
      mime_type: init.mime_type ?? "application/pdf",
      file_size_bytes: 1000,
      estimated_pages: 1,
      estimated_tokens: 1000,
    },
    job_result: init.progress === undefined ? null : init.progress,
    retry_count: 0,
    max_retries: 3,
    patient_id: "patient-1",
    shell_file_id: "file-1",
    lease_expires_at: "2026-11-22T10:03:00Z",
  };
}

export interface RpcCall {
  name: RpcName;
  args: Record<string, unknown>;
}

export type Responders = {
  [N in RpcName]?: (args: Rpcs[N]["args"]) => Rpcs[N]["returns"] | Promise<Rpcs[N]["returns"]>;
};

/** What the providers answer; a function may throw (e.g. a ProviderError). */
export interface ProviderScript {
  ocr?: (input: OcrInput) => OcrResult | Promise<OcrResult>;
  entities?: (page: PageText) => Entity[];
  items?: (page: PageText & { entities: Entity[] }) => ClinicalItem[];
  narrative?: (document: { pages: PageText[]; items: ClinicalItem[] }) => Narrative;
  /** What each AI call reports it used. */
  usage?: Usage;
}

export interface ProviderCall {
  method: "recognize" | "detectEntities" | "extractClinical" | "writeNarrative";
  input: unknown;
}

export function fakeProviders(script: ProviderScript = {}) {
  const calls: ProviderCall[] = [];
  const usage = script.usage ?? usageOf(1, 100, 20);
  const ocr: OcrProvider = {
    name: "fake_ocr",
    rateLimit: { provider_name: "google", api_endpoint: "vision-api" },
    async recognize(input) {
      calls.push({ method: "recognize", input });
      return await (script.ocr ??
        (() => ({ text: "ocr text", confidence: 0.9, usage: usageOf(1) })))(
          input,
        );
    },
  };
  const ai: AiProvider = {
    name: "fake_ai",
    rateLimit: { provider_name: "openai", api_endpoint: "gpt-4o-mini" },
    detectEntities(page) {
      calls.push({ method: "detectEntities", input: page });
      return Promise.resolve().then(() => ({
        output: (script.entities ?? (() => []))(page),
        usage,
      }));
    },
    extractClinical(page) {
      calls.push({ method: "extractClinical", input: page });
      return Promise.resolve().then(() => ({ output: (script.items ?? (() => []))(page), usage }));
    },
    writeNarrative(document) {
      calls.push({ method: "writeNarrative", input: document });
      return Promise.resolve().then(() => ({
        output: (script.narrative ?? (() => ({ title: "Title", narrative: "Narrative." })))(
          document,
        ),
        usage,
      }));
    },
  };
  return { providers: { ocr, ai }, calls };
}

export interface MockOptions {
  /** Jobs claim_next_job_v3 hands out, in order. */
  queue?: ClaimedRow[];
  /** Object bytes by "bucket/path". */
  documents?: Record<string, Uint8Array>;
  /** Replace the default answer of an RPC. */
  rpcs?: Responders;
  providers?: ProviderScript;
  /** Called on every RPC after it is recorded: e.g. to move the clock further. */
  onRpc?: (call: RpcCall) => void;
  deps?: Partial<WorkerDeps>;
}

/** The in-memory results, keyed like the tables' unique keys. */
export interface FakeDatabase {
  pages: Map<number, { source: string; text: string; provider: string | null }>;
  entities: Map<number, Entity[]>;
  items: Map<number, ClinicalItem[]>;
  narrative: { title: string; narrative: string } | null;
  /** job_result.tokens_used: the p_tokens_used of each step, added when it is first recorded. */
  tokens: number;
}

export function createMockDeps(options: MockOptions = {}) {
  const clock = { ms: T0 };
  const rpcCalls: RpcCall[] = [];
  const logs: Record<string, unknown>[] = [];
  const waited: Promise<unknown>[] = [];
  const queue = [...(options.queue ?? [])];
  const db: FakeDatabase = {
    pages: new Map(),
    entities: new Map(),
    items: new Map(),
    narrative: null,
    tokens: 0,
  };
  /** As private.record_job_step: a step's tokens count once, when its result is first written. */
  const once = <K>(results: { has(key: K): boolean }, key: K, tokens: number) => {
    if (!results.has(key)) db.tokens += tokens;
  };
  const { providers, calls: providerCalls } = fakeProviders(options.providers);
  const fetch = fakeFetch(() => new Response(null, { status: 202 }));

  const defaults: Responders = {
    claim_next_job_v3: () => {
      const row = queue.shift();
      return row ? [row] : [];
    },
    acquire_api_capacity: () => `lease-${rpcCalls.length}`,
    release_api_capacity: () => true,
    record_document_inspection: () => true,
    record_page_text: (a) => {
      once(db.pages, a.p_page_number, a.p_tokens_used);
      db.pages.set(a.p_page_number, {
        source: a.p_text_source,
        text: a.p_page_text,
        provider: a.p_provider,
      });
      return true;
    },
    record_page_entities: (a) => {
      once(db.entities, a.p_page_number, a.p_tokens_used);
      db.entities.set(a.p_page_number, a.p_entities);
      return true;
    },
    record_page_extractions: (a) => {
      once(db.items, a.p_page_number, a.p_tokens_used);
      db.items.set(a.p_page_number, a.p_items);
      return true;
    },
    record_narrative: (a) => {
      if (db.narrative === null) db.tokens += a.p_tokens_used;
      db.narrative = { title: a.p_title, narrative: a.p_narrative };
      return true;
    },
    finish_shell_file_job: () => true,
    fail_shell_file_job: (a) => (a.p_retryable ? "retrying" : "dead_lettered"),
    reschedule_job: () => "2026-11-22T10:00:30Z",
    release_job: () => true,
  };
  const responders: Responders = { ...defaults, ...options.rpcs };

  const rpc = (async (name: RpcName, args: Record<string, unknown>) => {
    const call = { name, args };
    rpcCalls.push(call);
    // Every RPC takes a millisecond, so a worker stuck repeating a step runs out of budget
    // (and fails its test) instead of hanging it.
    clock.ms += 1;
    options.onRpc?.(call);
    const respond = responders[name] as ((a: unknown) => unknown) | undefined;
    if (!respond) throw new Error(`no fake for ${name}`);
    return await respond(args);
  }) as Rpc;

  const deps: WorkerDeps = {
    settings: {
      supabaseUrl: SUPABASE_URL,
      serviceRoleKey: SERVICE_KEY,
      budgetMs: 100_000,
      safetyMarginMs: 30_000,
      chain: true,
    },
    rpc,
    downloadDocument(bucket, path) {
      const bytes = options.documents?.[`${bucket}/${path}`];
      return bytes ? Promise.resolve(bytes) : Promise.reject(
        new DocumentError("document_not_found", "The uploaded file is no longer in storage."),
      );
    },
    readPages(_shellFileId, pageNumber) {
      return Promise.resolve(
        [...db.pages].filter(([n]) => pageNumber === undefined || n === pageNumber)
          .sort(([a], [b]) => a - b).map(([n, page]) => ({ pageNumber: n, text: page.text })),
      );
    },
    readEntities: (_shellFileId, pageNumber) =>
      Promise.resolve(db.entities.get(pageNumber) ?? null),
    readExtractions: () =>
      Promise.resolve([...db.items].sort(([a], [b]) => a - b).flatMap(([, items]) => items)),
    providers,
    aiModel: "test-model",
    now: () => clock.ms,
    fetch: fetch.fetch,
    newWorkerId: () => "worker-1",
    waitUntil: (work) => void waited.push(work),
    log: (entry) => void logs.push(entry),
    ...options.deps,
  };
  return {
    deps,
    db,
    clock,
    rpcCalls,
    providerCalls,
    fetchCalls: fetch.calls as Call[],
    logs,
    waited,
    /** The RPC names called, in order. */
    names: () => rpcCalls.map((c) => c.name),
  };
}

/** What a step module is given, for a job claimed as `row`, by "worker-1". */
export function stepContext(deps: WorkerDeps, row: ClaimedRow = claimedRow()): StepContext {
  const job = jobFromClaim(row);
  return { deps, workerId: "worker-1", job, document: documentHandle(deps, job), results: recordedResults() };
}
