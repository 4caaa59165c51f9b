// Concurrent callers of acquire_api_capacity / release_api_capacity on one provider row,
// each on its own connection (postgres.js, max 1), as separate worker invocations would be.
// A caller loops: acquire; if granted, release at once (no simulated API call, so what is
// measured is the limiter itself). It stops at the deadline, or once the callers together
// have been refused `stopAfterRefusals` times (the window phases only need to fill a window).

import postgres from "postgres";
import { latency } from "./stats.ts";

export interface CallerPool {
  clients: postgres.Sql[];
  end(): Promise<void>;
}

/** `n` single-connection clients, connected and warmed up (one query each). */
export async function openCallers(dbUrl: string, n: number): Promise<CallerPool> {
  const clients = Array.from({ length: n }, () => postgres(dbUrl, { max: 1, onnotice: () => {} }));
  await Promise.all(clients.map((c) => c`select 1`));
  return { clients, end: () => Promise.all(clients.map((c) => c.end())).then(() => {}) };
}

export interface RunOptions {
  provider: string;
  endpoint: string;
  callers: number;
  durationMs: number;
  /** Each acquire's p_estimated_tokens. */
  tokens: (caller: number, i: number) => number;
  stopAfterRefusals?: number;
}

export interface RunResult {
  callers: number;
  seconds: number;
  attempts: number;
  granted: number;
  refused: number;
  pairs_per_second: number;
  attempts_per_second: number;
  acquire_p50_ms: number;
  acquire_p95_ms: number;
  pair_p50_ms: number;
  pair_p95_ms: number;
}

export async function runCallers(pool: CallerPool, opts: RunOptions): Promise<RunResult> {
  if (opts.callers > pool.clients.length) {
    throw new Error(`${opts.callers} callers but ${pool.clients.length} connections`);
  }
  const acquireMs: number[] = [];
  const pairMs: number[] = [];
  let granted = 0;
  let refused = 0;
  let stop = false;
  const started = performance.now();
  const deadline = started + opts.durationMs;

  const caller = async (index: number) => {
    const c = pool.clients[index];
    const worker = `bench-caller-${index}`;
    for (let i = 0; !stop && performance.now() < deadline; i++) {
      const t0 = performance.now();
      const [a] = await c<{ lease: string | null }[]>`
        select public.acquire_api_capacity(${opts.provider}::text, ${opts.endpoint}::text,
                                           ${
        opts.tokens(index, i)
      }::integer, null, ${worker}::text) as lease`;
      const t1 = performance.now();
      acquireMs.push(t1 - t0);
      if (a.lease === null) {
        refused++;
        if (opts.stopAfterRefusals !== undefined && refused >= opts.stopAfterRefusals) stop = true;
        continue;
      }
      const [r] = await c<
        { ok: boolean }[]
      >`select public.release_api_capacity(${a.lease}::uuid, null) as ok`;
      if (r.ok !== true) {
        throw new Error(
          `release_api_capacity refused lease ${a.lease} that ${worker} had just acquired`,
        );
      }
      pairMs.push(performance.now() - t0);
      granted++;
    }
  };
  await Promise.all(Array.from({ length: opts.callers }, (_, i) => caller(i)));
  const seconds = (performance.now() - started) / 1000;
  const acquire = latency(acquireMs);
  const pair = latency(pairMs);
  return {
    callers: opts.callers,
    seconds,
    attempts: granted + refused,
    granted,
    refused,
    pairs_per_second: granted / seconds,
    attempts_per_second: (granted + refused) / seconds,
    acquire_p50_ms: acquire.p50,
    acquire_p95_ms: acquire.p95,
    pair_p50_ms: pair.p50,
    pair_p95_ms: pair.p95,
  };
}
