// The database RPCs the worker calls, with their arguments and results as PostgREST returns
// them, so every call site is type-checked against the contract (docs/DATABASE.md and the
// pipeline migration).

import type { ClinicalItem, Entity } from "../providers/types.ts";
import type { JobError } from "./outcomes.ts";

/** One row of claim_next_job_v3. */
export interface ClaimedRow {
  job_id: string;
  job_type: string;
  job_payload: unknown;
  job_result: unknown;
  retry_count: number;
  max_retries: number;
  patient_id: string | null;
  shell_file_id: string | null;
  lease_expires_at: string;
}

interface Fenced {
  p_job_id: string;
  p_worker_id: string;
}

export interface Rpcs {
  claim_next_job_v3: { args: { worker_id: string; job_types: string[] }; returns: ClaimedRow[] };
  acquire_api_capacity: {
    args: {
      p_provider_name: string;
      p_api_endpoint: string;
      p_estimated_tokens: number;
      p_job_id: string;
      p_worker_id: string;
    };
    /** The lease id, or null: no capacity now. */
    returns: string | null;
  };
  release_api_capacity: {
    args: { p_lease_id: string; p_actual_tokens: number | null };
    returns: boolean;
  };
  record_document_inspection: {
    args: Fenced & { p_page_count: number; p_ocr_pages: number[] };
    returns: boolean;
  };
  record_page_text: {
    args: Fenced & {
      p_page_number: number;
      p_text_source: "pdf_text_layer" | "ocr";
      p_page_text: string;
      p_confidence: number | null;
      p_provider: string | null;
      /** What the OCR call used; 0 for a PDF text layer. Counted once, with the page. */
      p_tokens_used: number;
    };
    returns: boolean;
  };
  record_page_entities: {
    args: Fenced & {
      p_page_number: number;
      p_entities: Entity[];
      p_model: string;
      p_tokens_used: number;
    };
    returns: boolean;
  };
  record_page_extractions: {
    args: Fenced & {
      p_page_number: number;
      p_items: ClinicalItem[];
      p_model: string;
      p_tokens_used: number;
    };
    returns: boolean;
  };
  record_narrative: {
    args: Fenced & { p_title: string; p_narrative: string; p_model: string; p_tokens_used: number };
    returns: boolean;
  };
  /**
   * Usage is the database's own: the tokens the record_* RPCs accumulated in job_result
   * (once per recorded step) and the seconds since shell_files.processing_started_at.
   */
  finish_shell_file_job: { args: Fenced; returns: boolean };
  fail_shell_file_job: {
    args: Fenced & { p_error: JobError; p_retryable: boolean };
    returns: "retrying" | "dead_lettered" | null;
  };
  reschedule_job: {
    args: Fenced & { p_delay_seconds: number; p_reason: string };
    returns: string | null;
  };
  release_job: { args: Fenced; returns: boolean };
}

export type RpcName = keyof Rpcs;

/** supabase-js `.rpc()`: the data, or a thrown RpcError. */
export type Rpc = <N extends RpcName>(
  name: N,
  args: Rpcs[N]["args"],
) => Promise<Rpcs[N]["returns"]>;

/** A failed RPC: PostgREST's error code (a SQLSTATE such as 22023, or PGRST...) and message. */
export class RpcError extends Error {
  constructor(readonly rpc: string, readonly code: string | null, message: string) {
    super(`${rpc}: ${message}`);
    this.name = "RpcError";
  }
}
