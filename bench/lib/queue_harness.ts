// The queue-core benchmark's measurements, the same for every system (this project's RPCs,
// pg-boss, Graphile Worker): a system only says how to enqueue, how to run K workers that
// report each job they claim, and how many of its jobs are still unfinished in the database.
//
// Drain: a backlog of N jobs, then K workers claim → complete until none is left.
//   jobs/s = N / (when the database shows none unfinished − when the workers were ready or the
//   first job was claimed, whichever came first), so each library's start-up (pool, LISTEN,
//   migrations check) is not counted against it, but its first fetch is.
// Steady: K idle workers; one producer enqueues jobs one at a time at a fixed rate.
//   latency of a job = when the worker's claim returned it − when the producer's enqueue call
//   returned (the job was committed by then). Both instants are taken with performance.now()
//   in this one process, so there is no clock skew. A claim can land a fraction of a
//   millisecond before the enqueue call's reply is read, so single samples may be ≤ 0.
//
// Both check what they measured: every job enqueued was claimed exactly once and none is left
// unfinished (and, where the system keeps finished jobs, exactly N are completed). Anything
// else is a HarnessError: the benchmark stops and the command exits non-zero.

export class HarnessError extends Error {
  override name = "HarnessError";
}

/** What the database holds for a system's jobs. */
export interface Tally {
  /** Jobs not completed (pending, claimed, failed, retrying...). */
  unfinished: number;
  /** Completed jobs kept in the table; null for a system that deletes finished jobs. */
  completed: number | null;
}

export interface WorkerPool {
  /** Stops claiming and waits for jobs under way. */
  stop(): Promise<void>;
  /** Rejects when a worker fails; never resolves. */
  readonly failure: Promise<never>;
}

export interface QueueSystem {
  /** Short id (JSON keys). */
  readonly id: string;
  /** Row label in the table. */
  readonly label: string;
  /** The settings it runs with, in a line, recorded in the result. */
  readonly settings: string;
  /** Once: schema, job type, queue. */
  setup(): Promise<void>;
  /** Before every measurement: none of its jobs (or what they wrote) left, tables vacuumed. */
  clear(): Promise<void>;
  /** Puts n jobs in the queue, batched the way the system offers for bulk enqueue. */
  enqueueBacklog(n: number): Promise<void>;
  /** ANALYZE its job table(s). */
  analyze(): Promise<void>;
  /** One job, as an application would enqueue it; resolves once committed, with its key. */
  enqueueOne(): Promise<string>;
  /** K workers looping claim → complete; each calls onClaim(key) when it holds a job. */
  startWorkers(k: number, onClaim: (key: string) => void): Promise<WorkerPool>;
  tally(): Promise<Tally>;
  /** Removes everything setup made. Safe to call twice, and after a failed setup. */
  teardown(): Promise<void>;
}

/** Claims as the workers report them: the first instant of each key, and any key seen twice. */
export class ClaimLog {
  readonly at = new Map<string, number>();
  readonly duplicates: string[] = [];
  first = NaN;
  readonly all: Promise<void>;
  #done!: () => void;

  constructor(readonly expected: number) {
    this.all = new Promise((resolve) => (this.#done = resolve));
    if (expected === 0) this.#done();
  }

  /** Bound so it can be handed to workers as is. */
  readonly record = (key: string): void => {
    const now = performance.now();
    if (this.at.has(key)) {
      this.duplicates.push(key);
      return;
    }
    if (this.at.size === 0) this.first = now;
    this.at.set(key, now);
    if (this.at.size === this.expected) this.#done();
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves with `work`, or rejects on a worker failure or when `ms` have passed. */
export async function within<T>(
  work: Promise<T>,
  failure: Promise<never>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new HarnessError(`${what}: not done after ${Math.round(ms / 1000)} s`)),
      ms,
    );
  });
  try {
    return await Promise.race([work, failure, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls the database until none of the system's jobs is unfinished; returns that instant. */
async function finishedAt(system: QueueSystem): Promise<number> {
  for (;;) {
    const tally = await system.tally();
    if (tally.unfinished === 0) return performance.now();
    await sleep(5);
  }
}

function verify(
  system: QueueSystem,
  log: ClaimLog,
  tally: Tally,
  expected: number,
  phase: string,
): void {
  const problems: string[] = [];
  if (log.duplicates.length) {
    problems.push(
      `${log.duplicates.length} claims of a job already claimed (e.g. ${log.duplicates[0]})`,
    );
  }
  if (log.at.size !== expected) {
    problems.push(`${log.at.size} distinct jobs claimed, expected ${expected}`);
  }
  if (tally.unfinished !== 0) problems.push(`${tally.unfinished} jobs unfinished`);
  if (tally.completed !== null && tally.completed !== expected) {
    problems.push(`${tally.completed} jobs completed, expected ${expected}`);
  }
  if (problems.length) throw new HarnessError(`${system.label} ${phase}: ${problems.join("; ")}`);
}

export interface DrainResult {
  jobs_per_s: number;
  /** Bulk enqueue of the backlog, for information (not the benchmark's subject). */
  enqueue_per_s: number;
}

export async function measureDrain(
  system: QueueSystem,
  jobs: number,
  k: number,
  timeoutMs: number,
): Promise<DrainResult> {
  await system.clear();
  const enqueueStart = performance.now();
  await system.enqueueBacklog(jobs);
  const enqueueSeconds = (performance.now() - enqueueStart) / 1000;
  // Statistics that show the backlog, as autovacuum's next round would leave them: clear()
  // analyzed an empty table, and a planner that believes the queue is empty may pick a plan
  // that reads every pending job per claim (job_queue's due index, 20k rows sorted per call)
  // until autovacuum catches up, which would measure the harness, not the queue.
  await system.analyze();
  const before = await system.tally();
  if (before.unfinished !== jobs) {
    throw new HarnessError(
      `${system.label} drain: ${before.unfinished} jobs queued, expected ${jobs}`,
    );
  }

  const log = new ClaimLog(jobs);
  const pool = await system.startWorkers(k, log.record);
  const ready = performance.now();
  let end: number;
  try {
    await within(log.all, pool.failure, timeoutMs, `${system.label} K=${k} drain`);
    end = await within(
      finishedAt(system),
      pool.failure,
      timeoutMs,
      `${system.label} K=${k} drain (completions)`,
    );
  } finally {
    await pool.stop();
  }
  verify(system, log, await system.tally(), jobs, `K=${k} drain`);
  const start = Math.min(ready, log.first);
  return { jobs_per_s: jobs / ((end - start) / 1000), enqueue_per_s: jobs / enqueueSeconds };
}

export interface SteadyResult {
  /** Enqueue → claim, ms, one sample per job. */
  latencies: number[];
  /** The rate the producer achieved (it can fall behind the target on a slow enqueue). */
  offered_per_s: number;
}

/** How long idle workers get to settle (first poll, LISTEN) before the producer starts. */
const SETTLE_MS = 300;

export async function measureSteady(
  system: QueueSystem,
  jobs: number,
  ratePerSecond: number,
  k: number,
  timeoutMs: number,
): Promise<SteadyResult> {
  await system.clear();
  const log = new ClaimLog(jobs);
  const enqueuedAt = new Map<string, number>();
  const pool = await system.startWorkers(k, log.record);
  let offered: number;
  try {
    await sleep(SETTLE_MS);
    const produce = async () => {
      const start = performance.now();
      for (let i = 0; i < jobs; i++) {
        // Open loop: each job has its slot; a late enqueue does not push the later ones back.
        const wait = start + (i * 1000) / ratePerSecond - performance.now();
        if (wait > 0) await sleep(wait);
        const key = await system.enqueueOne();
        enqueuedAt.set(key, performance.now());
      }
      return jobs / ((performance.now() - start) / 1000);
    };
    offered = await within(
      produce(),
      pool.failure,
      timeoutMs,
      `${system.label} K=${k} steady (producer)`,
    );
    await within(log.all, pool.failure, timeoutMs, `${system.label} K=${k} steady`);
    await within(
      finishedAt(system),
      pool.failure,
      timeoutMs,
      `${system.label} K=${k} steady (completions)`,
    );
  } finally {
    await pool.stop();
  }
  verify(system, log, await system.tally(), jobs, `K=${k} steady`);
  const latencies: number[] = [];
  for (const [key, claimed] of log.at) {
    const enqueued = enqueuedAt.get(key);
    if (enqueued === undefined) {
      throw new HarnessError(
        `${system.label} K=${k} steady: claimed ${key}, which the producer never enqueued`,
      );
    }
    latencies.push(claimed - enqueued);
  }
  return { latencies, offered_per_s: offered };
}

export interface LoopContext {
  stopped(): boolean;
  /** Waits ms, or less when the pool is stopped (an idle poll must not delay stop()). */
  idle(ms: number): Promise<void>;
}

/** Runs `worker(i, ctx)` K times concurrently until stopped; the first error becomes `failure`. */
export function loopPool(
  k: number,
  worker: (i: number, ctx: LoopContext) => Promise<void>,
): WorkerPool {
  let stopping = false;
  let wake!: () => void;
  const woken = new Promise<void>((resolve) => (wake = resolve));
  let fail!: (e: unknown) => void;
  const failure = new Promise<never>((_, reject) => (fail = reject));
  failure.catch(() => {}); // observed through within(); never an unhandled rejection
  const ctx: LoopContext = {
    stopped: () => stopping,
    idle: async (ms) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        woken,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, ms))),
      ]);
      clearTimeout(timer);
    },
  };
  const stop = () => {
    stopping = true;
    wake();
  };
  const loops = Array.from({ length: k }, (_, i) =>
    worker(i, ctx).catch((e) => {
      stop();
      fail(e);
    }));
  return {
    failure,
    async stop() {
      stop();
      await Promise.all(loops);
    },
  };
}
