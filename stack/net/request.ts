// A row taken from net.http_request_queue, and the fetch that pg_net's worker would make
// for it. Pure: no I/O.

export interface QueueRow {
  /** bigint, kept as text (postgres.js returns int8 as a string). */
  id: string;
  method: string;
  url: string;
  /** Header name to value; values are text already (jsonb_each_text), null ones are dropped. */
  headers: Record<string, string | null>;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

/** What pg_net sends unless the caller names another (pg_net appends "User-Agent: pg_net/<version>"). */
export const USER_AGENT = "pg_net/0.20.0";

export type Outgoing =
  | { ok: true; url: string; init: RequestInit }
  | { ok: false; reason: string };

const METHODS = new Set(["GET", "POST", "DELETE"]);

/**
 * The fetch for a queue row, or why it is not sent. Rejections get an error response instead
 * of a request, as pg_net does for headers with CR/LF.
 */
export function buildRequest(row: QueueRow): Outgoing {
  const method = row.method.toUpperCase();
  if (!METHODS.has(method)) {
    return { ok: false, reason: `Unsupported request method ${row.method}` };
  }

  const headers = new Headers();
  for (const [name, value] of Object.entries(row.headers)) {
    if (value === null || value === undefined) continue;
    // A CR or LF would let a header inject others; pg_net refuses the request, naming only
    // the header (its value may be a credential).
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      return {
        ok: false,
        reason: `header "${name.split(/[\r\n]/)[0]}" contains a carriage return or line feed`,
      };
    }
    try {
      headers.append(name, value);
    } catch (error) {
      return { ok: false, reason: `header "${name}" is not valid: ${(error as Error).message}` };
    }
  }
  if (!headers.has("user-agent")) headers.set("user-agent", USER_AGENT);

  if (method === "GET" && row.body !== null && row.body.length > 0) {
    // curl can send one, fetch cannot; net.http_get never writes a body.
    return {
      ok: false,
      reason: "a GET request with a body cannot be sent by the local net dispatcher",
    };
  }

  return {
    ok: true,
    url: row.url,
    init: {
      method,
      headers,
      body: method === "GET" || row.body === null ? undefined : Uint8Array.from(row.body),
      // pg_net sets CURLOPT_FOLLOWLOCATION.
      redirect: "follow",
    },
  };
}

/** The url without its query and fragment, for logs: query strings often carry keys. */
export function urlForLog(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}${parsed.search ? "?…" : ""}`;
  } catch {
    return url.replace(/[?#].*$/, "");
  }
}
