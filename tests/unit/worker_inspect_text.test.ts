// The inspect and text steps on the bundled samples: page count and which pages need OCR,
// the PDF's own text layer used without any provider call, OCR (inside capacity) for a
// scanned PDF page and for an image, each ending with its record_* RPC.

import { assertEquals, assertStringIncludes } from "@std/assert";
import { usageOf } from "../../functions/_shared/providers/errors.ts";
import { inspect } from "../../functions/_shared/worker/inspect.ts";
import { pageText } from "../../functions/_shared/worker/text.ts";
import { claimedRow, createMockDeps, sample, stepContext } from "../support/worker_deps.ts";

const PDF = { "medical-docs/patient-1/doc.pdf": await sample("discharge-summary.pdf") };
const SCANNED = { "medical-docs/patient-1/doc.pdf": await sample("scanned-referral.pdf") };
const PNG = { "medical-docs/patient-1/scan.png": await sample("scanned-referral.png") };
const pngRow = claimedRow({ path: "patient-1/scan.png", mime_type: "image/png" });
const FENCE = { p_job_id: "job-1", p_worker_id: "worker-1" };

Deno.test("inspect: a PDF with a text layer on every page has no OCR pages", async () => {
  const mock = createMockDeps({ documents: PDF });
  const ctx = stepContext(mock.deps);
  const result = await inspect(ctx);
  await ctx.document.close();
  assertEquals(mock.rpcCalls, [{
    name: "record_document_inspection",
    args: { ...FENCE, p_page_count: 3, p_ocr_pages: [] },
  }]);
  assertEquals(result, { recorded: true, progress: { page_count: 3, ocr_pages: [] } });
  assertEquals(mock.providerCalls, []);
});

Deno.test("inspect: a scanned PDF page and an image are OCR pages", async () => {
  const scanned = createMockDeps({ documents: SCANNED });
  const ctx = stepContext(scanned.deps);
  await inspect(ctx);
  await ctx.document.close();
  assertEquals(scanned.rpcCalls[0].args, { ...FENCE, p_page_count: 1, p_ocr_pages: [1] });

  const image = createMockDeps({ documents: PNG });
  await inspect(stepContext(image.deps, pngRow));
  assertEquals(image.rpcCalls[0].args, { ...FENCE, p_page_count: 1, p_ocr_pages: [1] });
});

Deno.test("inspect: record_document_inspection false (lease lost) is reported as not recorded", async () => {
  const mock = createMockDeps({
    documents: PDF,
    rpcs: { record_document_inspection: () => false },
  });
  const ctx = stepContext(mock.deps);
  assertEquals(await inspect(ctx), { recorded: false });
  await ctx.document.close();
});

Deno.test("text: a page with a text layer is read from the PDF, with no provider call and no capacity taken", async () => {
  const mock = createMockDeps({ documents: PDF });
  const ctx = stepContext(mock.deps);
  const result = await pageText(ctx, 2, []);
  await ctx.document.close();
  assertEquals(mock.providerCalls, []);
  assertEquals(mock.names(), ["record_page_text"]);
  const args = mock.rpcCalls[0].args;
  assertEquals(
    { ...args, p_page_text: undefined },
    {
      ...FENCE,
      p_page_number: 2,
      p_text_source: "pdf_text_layer",
      p_page_text: undefined,
      p_confidence: null,
      p_provider: null,
      p_tokens_used: 0,
    },
  );
  assertStringIncludes(args.p_page_text as string, "Medication: Metformin 500 mg twice daily");
  assertEquals(result, { recorded: true, progress: { text_done: 2 } });
});

Deno.test("text: an OCR page of a PDF goes to the OCR provider as that page, inside acquire/release, with its tokens recorded", async () => {
  const mock = createMockDeps({
    documents: SCANNED,
    providers: { ocr: () => ({ text: "Referral", confidence: 0.94, usage: usageOf(1, 700, 80) }) },
  });
  const ctx = stepContext(mock.deps);
  const result = await pageText(ctx, 1, [1]);
  await ctx.document.close();
  assertEquals(mock.providerCalls.length, 1);
  const input = mock.providerCalls[0].input as {
    kind: string;
    pdf: Uint8Array;
    pageNumber: number;
  };
  assertEquals([input.kind, input.pageNumber], ["pdf_page", 1]);
  assertEquals(input.pdf, SCANNED["medical-docs/patient-1/doc.pdf"]);
  assertEquals(mock.names(), ["acquire_api_capacity", "release_api_capacity", "record_page_text"]);
  assertEquals(mock.rpcCalls[0].args, {
    p_provider_name: "google",
    p_api_endpoint: "vision-api",
    p_estimated_tokens: 1500,
    ...FENCE,
  });
  assertEquals(mock.rpcCalls[2].args, {
    ...FENCE,
    p_page_number: 1,
    p_text_source: "ocr",
    p_page_text: "Referral",
    p_confidence: 0.94,
    p_provider: "fake_ocr",
    p_tokens_used: 780,
  });
  assertEquals(
    mock.rpcCalls[1].args.p_actual_tokens,
    780,
    "the same tokens the rate limiter was told",
  );
  assertEquals(result, { recorded: true, progress: { text_done: 1 } });
});

Deno.test("text: an image is OCRed as an image with its mime type", async () => {
  const mock = createMockDeps({ documents: PNG });
  await pageText(stepContext(mock.deps, pngRow), 1, [1]);
  const input = mock.providerCalls[0].input as {
    kind: string;
    bytes: Uint8Array;
    mimeType: string;
  };
  assertEquals([input.kind, input.mimeType], ["image", "image/png"]);
  assertEquals(input.bytes, PNG["medical-docs/patient-1/scan.png"]);
  assertEquals(mock.rpcCalls.at(-1)?.args.p_text_source, "ocr");
});

Deno.test("the document is downloaded once per job however many steps read it", async () => {
  let downloads = 0;
  const mock = createMockDeps({ documents: PDF });
  const download = mock.deps.downloadDocument;
  mock.deps.downloadDocument = (bucket, path) => {
    downloads++;
    return download(bucket, path);
  };
  const ctx = stepContext(mock.deps);
  await inspect(ctx);
  await pageText(ctx, 1, []);
  await pageText(ctx, 2, []);
  await ctx.document.close();
  assertEquals(downloads, 1);
});
