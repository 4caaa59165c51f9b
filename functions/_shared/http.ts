// JSON answers and CORS for every Edge Function. Errors carry a code and a message that names
// the problem; never patient data, never a stack trace.

export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "POST, OPTIONS",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, idempotency-key",
  "access-control-max-age": "86400",
};

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...CORS_HEADERS, "content-type": "application/json; charset=utf-8", ...headers },
  });
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string };
}

export function errorResponse(
  status: number,
  code: string,
  message: string,
  field?: string,
  headers: Record<string, string> = {},
): Response {
  const body: ErrorBody = { error: { code, message, ...(field ? { field } : {}) } };
  return json(status, body, headers);
}

/** The answer to a browser's CORS preflight. */
export function preflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** For functions that only take POST (and the preflight). */
export function methodNotAllowed(): Response {
  return errorResponse(405, "method_not_allowed", "use POST", undefined, {
    allow: "POST, OPTIONS",
  });
}

/**
 * The answer to anything unexpected: a reference to find the detail in the server log, and
 * nothing else (the detail may hold a path or a database message).
 */
export function internalError(requestId: string): Response {
  return errorResponse(500, "internal_error", `unexpected error (reference ${requestId})`);
}

function tooLarge(maxBytes: number): Response {
  return errorResponse(413, "body_too_large", `the request body must be at most ${maxBytes} bytes`);
}

/** Reads a JSON body no larger than `maxBytes`; a clear 4xx otherwise. */
export async function readJsonBody(req: Request, maxBytes: number): Promise<unknown | Response> {
  const mediaType = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (mediaType !== "application/json") {
    return errorResponse(
      415,
      "unsupported_media_type",
      "the request body must be application/json",
    );
  }
  if (Number(req.headers.get("content-length") ?? "0") > maxBytes) return tooLarge(maxBytes);
  const bytes = await readAtMost(req, maxBytes);
  if (!bytes) return tooLarge(maxBytes);
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    return errorResponse(400, "invalid_json", "the request body is not valid UTF-8 JSON");
  }
}

// Streams the body and stops at the limit, so a chunked upload without content-length cannot
// make the function buffer more than `maxBytes`.
async function readAtMost(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}
