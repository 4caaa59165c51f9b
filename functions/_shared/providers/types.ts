// The provider interfaces the pipeline programs against: OCR of one page, and the three AI
// passes. Adapters (google_vision.ts, openai_vision.ts, openai_passes.ts) implement them;
// config.ts picks them from the environment.

import type { ClinicalItem, Entity, Narrative } from "./schemas.ts";

export type { ClinicalItem, Entity, Narrative };

/** What one call consumed, as the provider reported it; `tokens` = prompt + completion. */
export interface Usage {
  requests: number;
  promptTokens: number;
  completionTokens: number;
  tokens: number;
}

/** The `api_rate_limits` row (provider_name, api_endpoint) a provider's calls count against. */
export interface RateLimitKey {
  provider_name: string;
  api_endpoint: string;
}

/** What adapters reach the world through; tests pass fakes. */
export interface ProviderDeps {
  fetch: typeof fetch;
  /** For Retry-After dates; defaults to Date.now. */
  now?: () => number;
}

export interface CallOptions {
  /** Aborts the call (e.g. the invocation's budget ran out); the adapter's own timeout still applies. */
  signal?: AbortSignal;
}

/** One page to read: an image, or one page of a PDF (1-based) that has no text layer. */
export type OcrInput =
  | { kind: "image"; bytes: Uint8Array; mimeType: string }
  | { kind: "pdf_page"; pdf: Uint8Array; pageNumber: number };

export interface OcrResult {
  text: string;
  /** 0..1 when the provider reports one. */
  confidence: number | null;
  usage: Usage;
}

export interface OcrProvider {
  /** e.g. "google_vision", "openai_vision"; also ProviderError.provider. */
  readonly name: string;
  readonly rateLimit: RateLimitKey;
  recognize(input: OcrInput, options?: CallOptions): Promise<OcrResult>;
}

export interface PageText {
  pageNumber: number;
  text: string;
}

export interface AiResult<T> {
  output: T;
  usage: Usage;
}

export interface AiProvider {
  readonly name: string;
  readonly rateLimit: RateLimitKey;
  /** Pass 1, per page. */
  detectEntities(page: PageText, options?: CallOptions): Promise<AiResult<Entity[]>>;
  /** Pass 2, per page; pass 1's entities for the page are hints. */
  extractClinical(
    page: PageText & { entities: Entity[] },
    options?: CallOptions,
  ): Promise<AiResult<ClinicalItem[]>>;
  /** Pass 3, per document. */
  writeNarrative(
    document: { pages: PageText[]; items: ClinicalItem[] },
    options?: CallOptions,
  ): Promise<AiResult<Narrative>>;
}
