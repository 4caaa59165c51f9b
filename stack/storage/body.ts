// An upload's bytes and headers. storage-js sends raw bytes with content-type and
// cache-control headers for buffers and strings, and multipart form-data (a `cacheControl`
// field, maybe `metadata`, then the file) for Blob, File and FormData bodies.

import { errors } from "./errors.ts";
import { boundaryOf, parseMultipart, type Part } from "./multipart.ts";

export interface Upload {
  bytes: Uint8Array;
  contentType: string;
  cacheControl: string;
  /** Caller-supplied metadata (`user_metadata`), from x-metadata or the `metadata` field. */
  userMetadata: Record<string, unknown> | null;
}

const DEFAULT_TYPE = "application/octet-stream";

function parseUserMetadata(json: string, where: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw errors.invalidRequest(`${where} must be a JSON object`);
}

/** Reads the upload, refusing before reading it all when content-length already says too big. */
export async function readUpload(req: Request, maxBytes: number, key: string): Promise<Upload> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  // Multipart framing adds a little; the file's own size is checked against the limit later.
  if (Number.isFinite(declared) && declared > maxBytes + 64 * 1024) {
    throw errors.tooLarge(
      `The object exceeded the maximum allowed size: ${key} is about ${declared} bytes, the limit is ${maxBytes} bytes`,
    );
  }
  const contentType = req.headers.get("content-type") ?? "";
  if (contentType.toLowerCase().startsWith("multipart/form-data")) {
    const boundary = boundaryOf(contentType);
    if (!boundary) throw errors.invalidRequest("The multipart content-type has no boundary");
    let parts: Part[];
    try {
      parts = parseMultipart(new Uint8Array(await req.arrayBuffer()), boundary);
    } catch (error) {
      throw errors.invalidRequest(
        `The multipart body could not be read: ${(error as Error).message}`,
      );
    }
    const file = parts.find((p) => p.filename !== null);
    if (!file) throw errors.invalidRequest("The multipart body has no file part");
    const field = (name: string) => {
      const part = parts.find((p) => p.name === name && p.filename === null);
      return part ? new TextDecoder().decode(part.data) : null;
    };
    const cacheTime = field("cacheControl");
    const metadata = field("metadata");
    return {
      bytes: file.data,
      contentType: file.contentType || DEFAULT_TYPE,
      cacheControl: cacheTime ? `max-age=${cacheTime}` : "no-cache",
      userMetadata: metadata === null ? null : parseUserMetadata(metadata, "The metadata field"),
    };
  }
  const header = req.headers.get("x-metadata");
  let userMetadata: Record<string, unknown> | null = null;
  if (header) {
    let json: string;
    try {
      json = new TextDecoder().decode(Uint8Array.from(atob(header), (c) => c.charCodeAt(0)));
    } catch {
      throw errors.invalidRequest("The x-metadata header must be base64-encoded JSON");
    }
    userMetadata = parseUserMetadata(json, "The x-metadata header");
  }
  return {
    bytes: new Uint8Array(await req.arrayBuffer()),
    contentType: contentType || DEFAULT_TYPE,
    cacheControl: req.headers.get("cache-control") || "no-cache",
    userMetadata,
  };
}
