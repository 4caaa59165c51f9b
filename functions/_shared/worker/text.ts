// Step 2, per page: the page's text. A PDF page with a text layer is read from the PDF itself
// (no provider call, no tokens); a scanned page or an image goes to the OCR provider, and the
// tokens it reports are recorded with the page.

import type { PdfDocument } from "../pdf.ts";
import type { OcrInput } from "../providers/types.ts";
import { OCR_ESTIMATED_TOKENS, withCapacity } from "./capacity.ts";
import { capacityScope, fence, recorded, type StepContext, type StepResult } from "./context.ts";
import type { LoadedDocument } from "./document.ts";
import type { Rpcs } from "./rpc.ts";

type PageText = Pick<
  Rpcs["record_page_text"]["args"],
  "p_text_source" | "p_page_text" | "p_confidence" | "p_provider" | "p_tokens_used"
>;

export async function pageText(
  ctx: StepContext,
  page: number,
  ocrPages: number[],
): Promise<StepResult> {
  const document = await ctx.document.get();
  const text = document.kind === "pdf" && !ocrPages.includes(page)
    ? await fromTextLayer(document.pdf, page)
    : await fromOcr(ctx, document, page);
  const ok = await ctx.deps.rpc("record_page_text", {
    ...fence(ctx),
    p_page_number: page,
    ...text,
  });
  if (ok) ctx.results.pages.set(page, { pageNumber: page, text: text.p_page_text });
  return recorded(ok, { text_done: page });
}

async function fromTextLayer(pdf: PdfDocument, page: number): Promise<PageText> {
  const layer = await pdf.pageText(page);
  return {
    p_text_source: "pdf_text_layer",
    p_page_text: layer.text,
    p_confidence: null,
    p_provider: null,
    p_tokens_used: 0,
  };
}

async function fromOcr(
  ctx: StepContext,
  document: LoadedDocument,
  page: number,
): Promise<PageText> {
  const { ocr } = ctx.deps.providers;
  const input: OcrInput = document.kind === "pdf"
    ? { kind: "pdf_page", pdf: document.bytes, pageNumber: page }
    : { kind: "image", bytes: document.bytes, mimeType: document.mimeType };
  const result = await withCapacity(
    capacityScope(ctx),
    ocr.rateLimit,
    OCR_ESTIMATED_TOKENS,
    () => ocr.recognize(input),
  );
  return {
    p_text_source: "ocr",
    p_page_text: result.text,
    p_confidence: result.confidence,
    p_provider: ocr.name,
    p_tokens_used: result.usage.tokens,
  };
}
