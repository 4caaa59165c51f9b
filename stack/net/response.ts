// The net._http_response row for each way a request can end, shaped as pg_net writes it.
// Pure: no I/O.

export interface ResponseRow {
  id: string;
  status_code: number | null;
  content_type: string | null;
  headers: Record<string, string> | null;
  content: string | null;
  timed_out: boolean;
  error_msg: string | null;
}

/**
 * An HTTP response of any status. pg_net stores an empty body as null. Header names come
 * lower-cased (fetch normalises them, as HTTP/2 does); repeated headers are joined by ", ".
 */
export function responseRow(
  id: string,
  status: number,
  headers: Iterable<[string, string]>,
  body: string,
): ResponseRow {
  const object: Record<string, string> = {};
  for (const [name, value] of headers) object[name] = value;
  return {
    id,
    status_code: status,
    content_type: object["content-type"] ?? null,
    headers: object,
    content: textContent(body),
    timed_out: false,
    error_msg: null,
  };
}

/** PostgreSQL text cannot hold NUL; pg_net's C string stops at the first one, so does this. */
export function textContent(body: string): string | null {
  const nul = body.indexOf("\u0000");
  const text = nul === -1 ? body : body.slice(0, nul);
  return text === "" ? null : text;
}

/**
 * pg_net's timeout row. Its message continues with curl's DNS/handshake/transfer split,
 * which fetch cannot measure; the start, "Timeout of N ms reached.", is the same.
 */
export function timeoutRow(id: string, timeoutMs: number, elapsedMs: number): ResponseRow {
  return failureRow(
    id,
    `Timeout of ${timeoutMs} ms reached. Total time: ${elapsedMs.toFixed(6)} ms`,
    true,
  );
}

/** A request that was not sent, or failed without an HTTP response. */
export function failureRow(id: string, message: string, timedOut = false): ResponseRow {
  return {
    id,
    status_code: null,
    content_type: null,
    headers: null,
    content: null,
    timed_out: timedOut,
    error_msg: message,
  };
}

/** The full text of a fetch error, causes included (Deno puts the detail in `cause`). */
export function errorDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
    const message = current instanceof Error ? current.message : String(current);
    if (message && !parts.some((p) => p.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}

/**
 * error_msg for a failed fetch: curl_easy_strerror's text where the failure maps onto one
 * (what pg_net stores), the fetch error's own text otherwise.
 */
export function curlErrorMessage(error: unknown): string {
  const detail = errorDetail(error);
  if (/connection refused|tcp connect error|connection reset before connect/i.test(detail)) {
    return "Couldn't connect to server";
  }
  if (
    /dns error|failed to lookup address|name or service not known|no address associated/i.test(
      detail,
    )
  ) {
    return "Couldn't resolve host name";
  }
  if (/certificate|tls|ssl/i.test(detail)) return `SSL connect error: ${detail}`;
  return detail;
}
