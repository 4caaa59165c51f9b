// The dispatcher loop, pg_net's background worker in TypeScript: take queued requests, send
// them concurrently, write their responses, expire old responses. The database and the
// network come in as dependencies, so the loop is tested without either.
//
// A request leaves the queue only in the statement that takes it, so nothing queued is lost
// while the database is away. Responses of requests in flight during an outage are kept in
// memory and written once the database is back (pg_net loses them).

import type { QueueRow } from "./request.ts";
import { failureRow, type ResponseRow } from "./response.ts";
import type { Sent } from "./send.ts";
import type { NetSettings } from "./settings.ts";
import type { NetStore } from "./store.ts";

export interface DispatcherDeps {
  store: NetStore;
  send: (row: QueueRow, shutdown: AbortSignal) => Promise<Sent>;
  log: (line: string) => void;
  settings: NetSettings;
  now?: () => number;
}

/** postgres.js error codes, and SQLSTATE classes, that mean "the database is not there". */
const CONNECTION_CODES = new Set([
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT",
  "EPIPE",
  "ETIMEDOUT",
]);

/**
 * True unless the database answered and refused: then retrying the same statement cannot
 * help. Errors without a code count as connection errors, so data is retried, not dropped.
 */
export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return true;
  if (CONNECTION_CODES.has(code)) return true;
  if (/^[0-9A-Z]{5}$/.test(code)) return /^(08|53|57|58)/.test(code);
  return false;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export class Dispatcher {
  readonly #deps: DispatcherDeps;
  readonly #now: () => number;
  readonly #inFlight = new Set<Promise<void>>();
  #pending: ResponseRow[] = [];
  #flushing: Promise<void> | null = null;
  #stopping = false;
  readonly #shutdown = new AbortController();
  #running: Promise<void> | null = null;
  #stopped: Promise<void> | null = null;
  /** A notification arrived since the last take. */
  #woken = false;
  #sleeper: { resolve: () => void; wakeable: boolean } | null = null;
  #outageSince: number | null = null;
  #lastExpire = -Infinity;

  constructor(deps: DispatcherDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? (() => Date.now());
  }

  get inFlight(): number {
    return this.#inFlight.size;
  }

  /** Responses waiting to be written (the database was unreachable). */
  get pending(): number {
    return this.#pending.length;
  }

  /** New requests may be queued: take them now rather than at the next poll. */
  wake(): void {
    this.#woken = true;
    if (this.#sleeper?.wakeable) this.#sleeper.resolve();
  }

  /** Runs until stop(); never rejects. */
  run(): Promise<void> {
    return this.#running ??= this.#loop();
  }

  async #loop(): Promise<void> {
    const s = this.#deps.settings;
    let backoff = s.backoffMinMs;
    while (!this.#stopping) {
      try {
        await this.#deps.store.listen();
        await this.#flush();
        await this.#expire();
        const limit = Math.min(s.batchSize, s.maxInFlight - this.#inFlight.size);
        this.#woken = false;
        const rows = limit > 0 ? await this.#deps.store.take(limit) : [];
        this.#recovered();
        backoff = s.backoffMinMs;
        // Rows taken are sent even when stop() came meanwhile: they have left the queue.
        for (const row of rows) this.#start(row);
        // A full batch means more may be waiting.
        if (rows.length > 0 && rows.length === limit) continue;
        await this.#sleep(s.pollMs, true);
      } catch (error) {
        this.#unavailable(error);
        await this.#sleep(backoff, false);
        backoff = Math.min(backoff * 2, s.backoffMaxMs);
      }
    }
  }

  #start(row: QueueRow): void {
    const task = this.#deps.send(row, this.#shutdown.signal)
      .catch((error): Sent => ({
        response: failureRow(row.id, `local net dispatcher error: ${message(error)}`),
        line: `#${row.id} -> dispatcher error: ${message(error)}`,
      }))
      .then((sent) => {
        this.#deps.log(sent.line);
        this.#pending.push(sent.response);
        // Written at once, not at the next poll; a failure is retried by the loop.
        this.#flush().catch(() => {});
      })
      .finally(() => this.#inFlight.delete(task));
    this.#inFlight.add(task);
  }

  /** Writes all pending responses; one write at a time. Rejects when the database is away. */
  async #flush(): Promise<void> {
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#pending.length === 0) return;
    const batch = this.#pending.splice(0);
    this.#flushing = this.#write(batch);
    try {
      await this.#flushing;
    } finally {
      this.#flushing = null;
    }
  }

  async #write(batch: ResponseRow[]): Promise<void> {
    const { store, log } = this.#deps;
    try {
      await store.write(batch);
      return;
    } catch (error) {
      if (isConnectionError(error)) {
        this.#pending.unshift(...batch);
        throw error;
      }
    }
    // The database refused the batch: write rows one by one so one bad row holds up no other.
    for (let i = 0; i < batch.length; i++) {
      const row = batch[i];
      try {
        await store.write([row]);
      } catch (error) {
        if (isConnectionError(error)) {
          this.#pending.unshift(...batch.slice(i));
          throw error;
        }
        const reason = `response could not be stored: ${message(error)}`;
        log(`#${row.id} -> ${reason}`);
        await store.write([failureRow(row.id, reason, row.timed_out)]).catch((again) => {
          log(`#${row.id} -> response lost: ${message(again)}`);
        });
      }
    }
  }

  async #expire(): Promise<void> {
    const { settings, store } = this.#deps;
    if (this.#now() - this.#lastExpire < settings.expireEveryMs) return;
    await store.expire(settings.ttlSeconds);
    this.#lastExpire = this.#now();
  }

  /** Logs once per outage, however long it lasts. */
  #unavailable(error: unknown): void {
    if (this.#outageSince !== null) return;
    this.#outageSince = this.#now();
    this.#deps.log(`database unavailable (${message(error)}); queued requests wait, retrying`);
  }

  #recovered(): void {
    if (this.#outageSince === null) return;
    const seconds = ((this.#now() - this.#outageSince) / 1000).toFixed(1);
    this.#outageSince = null;
    this.#deps.log(`database reachable again after ${seconds} s`);
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (this.#stopping) return Promise.resolve();
    if (wakeable && this.#woken) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleeper = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleeper = { resolve: done, wakeable };
    });
  }

  /**
   * Stops taking requests, lets those in flight finish for settings.graceMs, abandons the
   * rest (each gets an error response) and writes what it can. Never rejects.
   */
  stop(): Promise<void> {
    return this.#stopped ??= this.#stop();
  }

  async #stop(): Promise<void> {
    const { settings, store, log } = this.#deps;
    this.#stopping = true;
    this.#sleeper?.resolve();
    const deadline = this.#now() + settings.graceMs;
    const remaining = () => Math.max(0, deadline - this.#now());
    await within(this.#running ?? Promise.resolve(), remaining());
    await within(Promise.allSettled([...this.#inFlight]), remaining());
    if (this.#inFlight.size > 0) {
      log(`stopping: abandoning ${this.#inFlight.size} request(s) still in flight`);
      this.#shutdown.abort();
      await Promise.allSettled([...this.#inFlight]);
    }
    await within(this.#flush().catch(() => {}), 500);
    if (this.#pending.length > 0) {
      log(
        `stopping: the responses of ${this.#pending.length} request(s) could not be written: ` +
          this.#pending.map((r) => `#${r.id}`).join(", "),
      );
    }
    await store.close().catch(() => {});
  }
}

/** Waits for `promise`, but no longer than `ms`. */
function within(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.then(() => {}, () => {}),
    new Promise<void>((resolve) => timer = setTimeout(resolve, ms)),
  ]).finally(() => clearTimeout(timer));
}
