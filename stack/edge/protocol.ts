// Messages between the runtime (parent) and one function worker.

export type ToWorker =
  | { type: "boot"; entrypoint: string }
  | {
    type: "request";
    method: string;
    url: string;
    headers: [string, string][];
    body: ArrayBuffer | null;
  };

export type FromWorker =
  | { type: "booted" }
  | { type: "boot_error"; message: string }
  | {
    type: "response";
    status: number;
    statusText: string;
    headers: [string, string][];
    body: ArrayBuffer;
  }
  | { type: "handler_error"; message: string }
  /** The response was sent and every EdgeRuntime.waitUntil task has settled. */
  | { type: "done" };
