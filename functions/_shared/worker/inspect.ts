// Step 1: download the document and count its pages; a PDF page whose text layer is empty
// goes to OCR, an image is one page that does.

import type { PdfDocument } from "../pdf.ts";
import { fence, recorded, type StepContext, type StepResult } from "./context.ts";

export async function inspect(ctx: StepContext): Promise<StepResult> {
  const document = await ctx.document.get();
  const pages = document.kind === "pdf"
    ? await pdfPages(document.pdf)
    : { page_count: 1, ocr_pages: [1] };
  const ok = await ctx.deps.rpc("record_document_inspection", {
    ...fence(ctx),
    p_page_count: pages.page_count,
    p_ocr_pages: pages.ocr_pages,
  });
  return recorded(ok, pages);
}

async function pdfPages(pdf: PdfDocument): Promise<{ page_count: number; ocr_pages: number[] }> {
  const ocr_pages: number[] = [];
  for (let page = 1; page <= pdf.pageCount; page++) {
    if ((await pdf.pageText(page)).needsOcr) ocr_pages.push(page);
  }
  return { page_count: pdf.pageCount, ocr_pages };
}
