// Page and token estimates made before anyone opens the file, from its type and size alone.
// They feed the job payload (enqueue_job_v3's backpressure and the rate limiter's token
// reservation); the worker counts the real pages when it inspects the file. Opening a PDF of
// up to 50 MiB here to count pages would cost more than the guess is worth.

import type { DocumentMimeType } from "../_shared/documents.ts";

/**
 * Text-layer PDFs run about 20-100 KB a page and scanned ones 100-500 KB, so one page per
 * 100 KiB sits between the two; clamped to 1..500 so a huge scan cannot reserve the whole
 * token budget on a guess.
 */
export const PDF_BYTES_PER_PAGE = 100 * 1024;
export const MAX_ESTIMATED_PAGES = 500;

/** The three AI passes together on one page of clinical text: prompt, page and answer. */
export const TOKENS_PER_PAGE = 1500;

export function estimatePages(mimeType: DocumentMimeType, sizeBytes: number): number {
  // An image is one page; a multi-page TIFF is counted when the worker inspects it.
  if (mimeType !== "application/pdf") return 1;
  const pages = Math.ceil(sizeBytes / PDF_BYTES_PER_PAGE);
  return Math.min(MAX_ESTIMATED_PAGES, Math.max(1, pages));
}

export function estimateTokens(pages: number): number {
  return pages * TOKENS_PER_PAGE;
}
