// Sends one queue row with fetch and turns whatever happens into its response row and one
// log line. fetch is passed in, so tests can stand in for the network.

import { buildRequest, type QueueRow, urlForLog } from "./request.ts";
import {
  curlErrorMessage,
  errorDetail,
  failureRow,
  type ResponseRow,
  responseRow,
  timeoutRow,
} from "./response.ts";

export interface Sent {
  response: ResponseRow;
  /** One line for the dispatcher's log; never headers or bodies, which may hold secrets. */
  line: string;
}

export interface SendDeps {
  fetch: typeof fetch;
  now?: () => number;
}

export const ABANDONED =
  "Request abandoned: the local net dispatcher stopped before the response arrived";

/**
 * Sends `row`, honouring its timeout_milliseconds for the whole exchange (body included, as
 * curl's CURLOPT_TIMEOUT_MS does). `shutdown` aborts it early. Never rejects.
 */
export async function sendRequest(
  row: QueueRow,
  deps: SendDeps,
  shutdown: AbortSignal,
): Promise<Sent> {
  const now = deps.now ?? (() => performance.now());
  const started = now();
  const elapsed = () => now() - started;
  const label = `#${row.id} ${row.method.toUpperCase()} ${urlForLog(row.url)}`;

  const outgoing = buildRequest(row);
  if (!outgoing.ok) {
    return {
      response: failureRow(row.id, outgoing.reason),
      line: `${label} -> not sent: ${outgoing.reason}`,
    };
  }

  const controller = new AbortController();
  let cause: "timeout" | "shutdown" | null = null;
  const timer = setTimeout(() => {
    cause ??= "timeout";
    controller.abort();
  }, row.timeout_milliseconds);
  const onShutdown = () => {
    cause ??= "shutdown";
    controller.abort();
  };
  if (shutdown.aborted) onShutdown();
  else shutdown.addEventListener("abort", onShutdown, { once: true });

  try {
    const res = await deps.fetch(outgoing.url, { ...outgoing.init, signal: controller.signal });
    const body = await res.text();
    return {
      response: responseRow(row.id, res.status, res.headers, body),
      line: `${label} -> ${res.status} (${Math.round(elapsed())} ms)`,
    };
  } catch (error) {
    if (cause === "timeout") {
      return {
        response: timeoutRow(row.id, row.timeout_milliseconds, elapsed()),
        line: `${label} -> timed out after ${row.timeout_milliseconds} ms`,
      };
    }
    if (cause === "shutdown") {
      return {
        response: failureRow(row.id, ABANDONED),
        line: `${label} -> abandoned: dispatcher stopping`,
      };
    }
    return {
      response: failureRow(row.id, curlErrorMessage(error)),
      line: `${label} -> failed after ${Math.round(elapsed())} ms: ${errorDetail(error)}`,
    };
  } finally {
    clearTimeout(timer);
    shutdown.removeEventListener("abort", onShutdown);
  }
}
