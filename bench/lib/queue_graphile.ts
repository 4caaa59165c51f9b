// Graphile Worker doing the benchmark's work, in its own schema on the same PostgreSQL, in two
// configurations:
// - batching off (Graphile Worker's defaults: every worker fetches its own job and completes
//   it with its own query); the goal compares against this one;
// - batching on, as its performance page configures it (worker.graphile.org/docs/performance):
//   localQueue.size 500 (jobs fetched in bulk and handed out locally), completeJobBatchDelay
//   and failJobBatchDelay 0 (completions of one tick share a query).
// Both: run() with concurrency = K and maxPoolSize = K + 1 (its performance page pairs
// concurrency 24 with a pool of 25; a pool smaller than the concurrency makes it warn).
// New jobs reach idle workers through LISTEN/NOTIFY (built in); pollInterval stays at its
// default 2 s (it only matters for jobs scheduled in the future). Info-level logs (one line
// per completed job) are dropped: console output is not what is measured.

import { Logger, makeWorkerUtils, run, type WorkerUtils } from "graphile-worker";
import postgres from "postgres";
import { HarnessError, type QueueSystem, type Tally, type WorkerPool } from "./queue_harness.ts";

const TASK = "bench_queue_core_noop";
const BACKLOG_CHUNK = 1000;
const LOCAL_QUEUE_SIZE = 500;

/** Warnings and errors only. */
const quietLogger = new Logger(() => (level, message) => {
  if (level === "error" || level === "warning") {
    console.error(`[graphile-worker ${level}] ${message}`);
  }
});

export class GraphileSystem implements QueueSystem {
  readonly id: string;
  readonly label: string;
  readonly settings: string;
  readonly #schema: string;
  #utils: WorkerUtils | null = null;

  constructor(private admin: postgres.Sql, private dbUrl: string, private batching: boolean) {
    this.id = batching ? "graphile_batched" : "graphile";
    this.label = batching ? "Graphile Worker (batching on)" : "Graphile Worker (batching off)";
    this.#schema = batching ? "bench_graphile_batched" : "bench_graphile";
    this.settings = `run(concurrency K, maxPoolSize K + 1); ` +
      (batching
        ? `localQueue.size ${LOCAL_QUEUE_SIZE}, completeJobBatchDelay 0, failJobBatchDelay 0`
        : "no localQueue, no completion batching (the defaults)") +
      `; backlog by addJobs() in batches of ${BACKLOG_CHUNK}`;
  }

  async setup(): Promise<void> {
    await this.admin.unsafe(`drop schema if exists ${this.#schema} cascade`);
    this.#utils = await makeWorkerUtils({
      connectionString: this.dbUrl,
      schema: this.#schema,
      logger: quietLogger,
    });
    await this.#utils.migrate();
  }

  async clear(): Promise<void> {
    await this.admin.unsafe(`delete from ${this.#schema}._private_jobs`);
    await this.admin.unsafe(`vacuum analyze ${this.#schema}._private_jobs`);
  }

  async enqueueBacklog(n: number): Promise<void> {
    for (let done = 0; done < n; done += BACKLOG_CHUNK) {
      const count = Math.min(BACKLOG_CHUNK, n - done);
      await this.#utils!.addJobs(
        Array.from(
          { length: count },
          () => ({ identifier: TASK, payload: { bench: "queue_core" } }),
        ),
      );
    }
  }

  async analyze(): Promise<void> {
    await this.admin.unsafe(`analyze ${this.#schema}._private_jobs`);
  }

  async enqueueOne(): Promise<string> {
    const job = await this.#utils!.addJob(TASK, { bench: "queue_core" });
    return String(job.id);
  }

  async startWorkers(k: number, onClaim: (key: string) => void): Promise<WorkerPool> {
    const runner = await run({
      connectionString: this.dbUrl,
      schema: this.#schema,
      concurrency: k,
      maxPoolSize: k + 1,
      noHandleSignals: true,
      crontab: "",
      logger: quietLogger,
      taskList: {
        [TASK]: (_payload, helpers) => {
          onClaim(String(helpers.job.id));
          return Promise.resolve();
        },
      },
      ...(this.batching
        ? {
          preset: {
            worker: {
              localQueue: { size: LOCAL_QUEUE_SIZE },
              completeJobBatchDelay: 0,
              failJobBatchDelay: 0,
            },
          },
        }
        : {}),
    });
    let stopped = false;
    // runner.promise settles when the runner stops; settling before stop() is a failure.
    const failure = runner.promise.then(
      () => {
        if (!stopped) throw new HarnessError(`${this.label}: the runner stopped on its own`);
        return new Promise<never>(() => {});
      },
      (e) => {
        if (!stopped) throw new HarnessError(`${this.label}: the runner failed: ${e}`);
        return new Promise<never>(() => {});
      },
    );
    failure.catch(() => {});
    return {
      failure,
      async stop() {
        stopped = true;
        await runner.stop();
        await runner.promise.catch(() => {});
      },
    };
  }

  async tally(): Promise<Tally> {
    // Graphile Worker deletes a job when it succeeds; a failed one stays with its error.
    const [row] = await this.admin.unsafe(
      `select count(*)::int as unfinished from ${this.#schema}._private_jobs`,
    );
    return { unfinished: row.unfinished, completed: null };
  }

  async teardown(): Promise<void> {
    await this.#utils?.release();
    this.#utils = null;
    await this.admin.unsafe(`drop schema if exists ${this.#schema} cascade`);
  }
}
