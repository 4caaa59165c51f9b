// The frame every JSON POST function shares: preflight, POST only, and one place that turns
// anything unexpected into a 500 with a reference, logging the detail server-side.

import { internalError, methodNotAllowed, preflight } from "./http.ts";

export interface LogEntry {
  request_id: string;
  [key: string]: unknown;
}

export interface FrameDeps {
  requestId(): string;
  /** Server-side only; never reaches the caller. */
  log(entry: LogEntry): void;
}

export function postHandler(
  deps: FrameDeps,
  handle: (req: Request) => Promise<Response>,
): (req: Request) => Promise<Response> {
  return async (req) => {
    if (req.method === "OPTIONS") return preflight();
    if (req.method !== "POST") return methodNotAllowed();
    try {
      return await handle(req);
    } catch (error) {
      const requestId = deps.requestId();
      deps.log({
        request_id: requestId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return internalError(requestId);
    }
  };
}

/** Real FrameDeps: random request ids, one JSON line per entry on stderr. */
export function consoleFrameDeps(functionName: string): FrameDeps {
  return {
    requestId: () => crypto.randomUUID(),
    log: (entry) => console.error(JSON.stringify({ function: functionName, ...entry })),
  };
}
