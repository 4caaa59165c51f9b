// A local stand-in for Google Cloud Vision's REST API, for tests and the offline demo:
//
//   POST /v1/images:annotate?key=...   each image is read with tesseract
//   POST /v1/files:annotate?key=...    each requested page of a PDF: its own text layer when
//                                      it has one, else the scanned image it embeds, read
//                                      with tesseract (pdf.js cannot draw vector pages here)
//
// Answers have Vision's shape (fullTextAnnotation, per-item `error` as google.rpc.Status,
// HTTP errors as { error: { code, message, status } }), behind the shared knobs and
// counters of standin_server.ts. Run as a process: VISION_STANDIN_PORT=<port>
// [VISION_STANDIN_API_KEY=<key>] deno run -A stack/providers/vision_standin.ts

import { z } from "zod";
import { fromBase64 } from "../../functions/_shared/base64.ts";
import { openPdf, type PdfDocument, PdfError } from "../../functions/_shared/pdf.ts";
import {
  type Knobs,
  type MalformedMode,
  type Reply,
  runStandInProcess,
  serveStandIn,
  type StandIn,
} from "./standin_server.ts";
import { type OcrText, type ReadImage, readWithTesseract, TesseractMissing } from "./tesseract.ts";

export interface VisionStandInOptions {
  port?: number;
  /** When set, requests must carry it as ?key= (or x-goog-api-key). */
  apiKey?: string;
  knobs?: Partial<Knobs>;
  now?: () => number;
  log?: (line: string) => void;
  /** Default: tesseract. */
  readImage?: ReadImage;
}

const Feature = z.object({ type: z.string() });
const ImagesRequest = z.object({
  requests: z.array(z.object({
    image: z.object({ content: z.string() }),
    features: z.array(Feature).min(1),
  })).min(1).max(16),
});
const FilesRequest = z.object({
  requests: z.array(z.object({
    inputConfig: z.object({ content: z.string(), mimeType: z.string() }),
    features: z.array(Feature).min(1),
    pages: z.array(z.number().int()).max(5).optional(),
  })).length(1),
});

const STATUS_BY_HTTP: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
};

function httpError(status: number, message: string) {
  return { error: { code: status, message, status: STATUS_BY_HTTP[status] ?? "UNKNOWN" } };
}

/** google.rpc.Status inside a 200 answer. */
function itemError(code: 3 | 9 | 13, message: string) {
  return { error: { code, message } };
}

function annotation(result: OcrText) {
  if (result.text === "") return {};
  return {
    fullTextAnnotation: {
      text: `${result.text}\n`,
      pages: [{ confidence: result.confidence ?? 0 }],
    },
    textAnnotations: [{ description: result.text }],
  };
}

export function startVisionStandIn(options: VisionStandInOptions = {}): StandIn {
  const readImage = options.readImage ?? readWithTesseract;

  async function read(bytes: Uint8Array) {
    try {
      return annotation(await readImage(bytes));
    } catch (error) {
      if (error instanceof TesseractMissing) return itemError(9, error.message);
      return itemError(3, "the image could not be read");
    }
  }

  async function readPage(pdf: PdfDocument, requested: number) {
    const pageNumber = requested < 0 ? pdf.pageCount + 1 + requested : requested;
    const context = { pageNumber };
    if (pageNumber < 1 || pageNumber > pdf.pageCount) {
      return {
        ...itemError(3, `page ${requested} is out of range (1..${pdf.pageCount})`),
        context,
      };
    }
    const layer = await pdf.pageText(pageNumber);
    if (!layer.needsOcr) return { ...annotation({ text: layer.text, confidence: 1 }), context };
    const image = await pdf.pageImage(pageNumber);
    if (!image) {
      return {
        ...itemError(
          3,
          "page has no text and no scanned image; PDF rendering is not supported by the stand-in",
        ),
        context,
      };
    }
    return { ...(await read(image.png)), context };
  }

  async function annotateFile(request: z.infer<typeof FilesRequest>["requests"][number]) {
    if (request.inputConfig.mimeType !== "application/pdf") {
      return itemError(
        3,
        `the stand-in reads application/pdf only, not ${request.inputConfig.mimeType}`,
      );
    }
    let pdf;
    try {
      pdf = await openPdf(fromBase64(request.inputConfig.content));
    } catch (error) {
      return itemError(3, error instanceof PdfError ? error.message : "the file could not be read");
    }
    try {
      const pages = request.pages?.length
        ? request.pages
        : [1, 2, 3, 4, 5].filter((n) => n <= pdf.pageCount);
      const responses = [];
      for (const page of pages) responses.push(await readPage(pdf, page));
      return { responses, totalPages: pdf.pageCount };
    } catch (error) {
      return itemError(3, error instanceof PdfError ? error.message : "the file could not be read");
    } finally {
      await pdf.close();
    }
  }

  async function answer(req: Request, url: URL, malformed: MalformedMode | null): Promise<Reply> {
    const method = url.pathname.replace(/^\/v1\//, "");
    if (req.method !== "POST" || (method !== "images:annotate" && method !== "files:annotate")) {
      return { status: 404, body: httpError(404, `no method ${req.method} ${url.pathname}`) };
    }
    const key = url.searchParams.get("key") ?? req.headers.get("x-goog-api-key");
    if (!key) {
      return { status: 403, body: httpError(403, "The request is missing a valid API key.") };
    }
    if (options.apiKey !== undefined && key !== options.apiKey) {
      return {
        status: 400,
        body: httpError(400, "API key not valid. Please pass a valid API key."),
      };
    }
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return { status: 400, body: httpError(400, "the body is not JSON") };
    }
    if (malformed === "invalid_json") return { status: 200, body: '{"responses": [', note: method };
    if (malformed === "schema") {
      return { status: 200, body: { responses: "not a list" }, note: method };
    }

    if (method === "images:annotate") {
      const parsed = ImagesRequest.safeParse(body);
      if (!parsed.success) {
        return { status: 400, body: httpError(400, "invalid images:annotate request") };
      }
      const responses = [];
      for (const request of parsed.data.requests) {
        let bytes;
        try {
          bytes = fromBase64(request.image.content);
        } catch {
          responses.push(itemError(3, "image.content is not base64"));
          continue;
        }
        responses.push(await read(bytes));
      }
      return { status: 200, body: { responses }, note: method };
    }
    const parsed = FilesRequest.safeParse(body);
    if (!parsed.success) {
      return { status: 400, body: httpError(400, "invalid files:annotate request") };
    }
    let file;
    try {
      file = await annotateFile(parsed.data.requests[0]);
    } catch {
      file = itemError(13, "the stand-in failed to read the file");
    }
    return { status: 200, body: { responses: [file] }, note: method };
  }

  return serveStandIn({
    name: "vision",
    answer,
    errorBody: (status, message) => httpError(status, message),
  }, options);
}

if (import.meta.main) runStandInProcess("vision stand-in", "VISION_STANDIN", startVisionStandIn);
