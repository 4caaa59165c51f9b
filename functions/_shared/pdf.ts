// PDF page count, each page's own text layer, and the scanned image of a page that has no
// text, through unpdf: Mozilla's pdf.js bundled for serverless runtimes (worker inlined,
// no canvas, no file system), so the same code runs in Deno and the Edge Runtime.
// pdf.js cannot rasterise a page without a canvas; a scanned page, though, is one embedded
// image, which pdf.js decodes in plain JavaScript and png.ts re-encodes.

import { getDocumentProxy, getResolvedPDFJS } from "unpdf";
import { type Channels, encodePng } from "./png.ts";

type PdfProxy = Awaited<ReturnType<typeof getDocumentProxy>>;
type PdfPage = Awaited<ReturnType<PdfProxy["getPage"]>>;

export type PdfErrorCode = "not_pdf" | "encrypted" | "corrupt";

/** Why a file cannot be read as a PDF; the message is meant for the person who uploaded it. */
export class PdfError extends Error {
  constructor(readonly code: PdfErrorCode, message: string) {
    super(message);
    this.name = "PdfError";
  }
}

export interface PdfPageText {
  pageNumber: number;
  /** The page's own text layer, one line per text line. */
  text: string;
  /** The text layer is empty or whitespace: the page has to go through OCR. */
  needsOcr: boolean;
}

export interface PdfPageImage {
  pageNumber: number;
  width: number;
  height: number;
  png: Uint8Array;
}

export interface PdfDocument {
  readonly pageCount: number;
  pageText(pageNumber: number): Promise<PdfPageText>;
  /** The largest image drawn on the page, as a PNG; null when the page draws none. */
  pageImage(pageNumber: number): Promise<PdfPageImage | null>;
  close(): Promise<void>;
}

const HEADER = new TextEncoder().encode("%PDF-");
/** Readers accept the header anywhere in the first 1024 bytes (junk before it is common). */
const HEADER_WINDOW = 1024;

export function isPdf(bytes: Uint8Array): boolean {
  const end = Math.min(bytes.length, HEADER_WINDOW) - HEADER.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < HEADER.length; j++) if (bytes[i + j] !== HEADER[j]) continue outer;
    return true;
  }
  return false;
}

function damaged(pageNumber?: number): PdfError {
  return new PdfError(
    "corrupt",
    pageNumber === undefined
      ? "The PDF is damaged or incomplete and cannot be read."
      : `Page ${pageNumber} of the PDF is damaged and cannot be read.`,
  );
}

/** Opens a PDF; throws PdfError for bytes that are not a PDF, an encrypted or a damaged one. */
export async function openPdf(bytes: Uint8Array): Promise<PdfDocument> {
  if (!isPdf(bytes)) throw new PdfError("not_pdf", "The file is not a PDF.");
  let pdf: PdfProxy;
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: hand it a copy.
    pdf = await getDocumentProxy(bytes.slice(), {
      verbosity: 0,
      isOffscreenCanvasSupported: false,
      isImageDecoderSupported: false,
    });
  } catch (error) {
    if ((error as { name?: string } | null)?.name === "PasswordException") {
      throw new PdfError(
        "encrypted",
        "The PDF is password-protected; upload a copy without a password.",
      );
    }
    throw damaged();
  }
  const pageCount = pdf.numPages;

  async function page(pageNumber: number): Promise<PdfPage> {
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > pageCount) {
      throw new RangeError(`page ${pageNumber} is not in 1..${pageCount}`);
    }
    try {
      return await pdf.getPage(pageNumber);
    } catch {
      throw damaged(pageNumber);
    }
  }

  return {
    pageCount,
    async pageText(pageNumber) {
      const p = await page(pageNumber);
      let content;
      try {
        content = await p.getTextContent();
      } catch {
        throw damaged(pageNumber);
      }
      let text = "";
      for (const item of content.items) {
        if (!("str" in item)) continue; // marked-content markers carry no text
        text += item.str + (item.hasEOL ? "\n" : "");
      }
      text = text.split("\n").map((line) => line.trimEnd()).join("\n").trim();
      return { pageNumber, text, needsOcr: text === "" };
    },
    async pageImage(pageNumber) {
      const p = await page(pageNumber);
      let image;
      try {
        image = await largestImage(p);
      } catch {
        throw damaged(pageNumber);
      }
      if (!image) return null;
      const png = await encodePng(image.pixels, image.width, image.height, image.channels);
      return { pageNumber, width: image.width, height: image.height, png };
    },
    async close() {
      await pdf.loadingTask.destroy();
    },
  };
}

interface DecodedImage {
  width: number;
  height: number;
  kind: number;
  data: Uint8Array | Uint8ClampedArray;
}

async function largestImage(
  page: PdfPage,
): Promise<
  | { pixels: Uint8Array | Uint8ClampedArray; width: number; height: number; channels: Channels }
  | null
> {
  const { OPS, ImageKind } = await getResolvedPDFJS();
  const ops = await page.getOperatorList();
  let best: DecodedImage | null = null;
  for (let i = 0; i < ops.fnArray.length; i++) {
    if (ops.fnArray[i] !== OPS.paintImageXObject) continue;
    const key = ops.argsArray[i][0] as string;
    const objs = key.startsWith("g_") ? page.commonObjs : page.objs;
    const image = await new Promise<DecodedImage | null>((resolve) => objs.get(key, resolve));
    if (!image?.data || !image.width || !image.height) continue;
    if (!best || image.width * image.height > best.width * best.height) best = image;
  }
  if (!best) return null;
  const { width, height, kind, data } = best;
  if (kind === ImageKind.RGB_24BPP) return { pixels: data, width, height, channels: 3 };
  if (kind === ImageKind.RGBA_32BPP) return { pixels: data, width, height, channels: 4 };
  if (kind === ImageKind.GRAYSCALE_1BPP) {
    return { pixels: unpackBits(data, width, height), width, height, channels: 1 };
  }
  return null;
}

/** 1-bit rows (padded to whole bytes, a set bit is white, as pdf.js draws them) to 8-bit grey. */
function unpackBits(
  data: Uint8Array | Uint8ClampedArray,
  width: number,
  height: number,
): Uint8Array {
  const rowBytes = Math.ceil(width / 8);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[y * width + x] = data[y * rowBytes + (x >> 3)] & (0x80 >> (x & 7)) ? 255 : 0;
    }
  }
  return out;
}
