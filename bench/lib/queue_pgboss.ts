// pg-boss doing the benchmark's work, in its own schema on the same PostgreSQL.
//
// Settings, for throughput as pg-boss's worker API offers it (docs: pgboss.io/api/workers):
// - work() with localConcurrency = K: K pollers in this process, each fetching and completing
//   independently (what "K workers" means here).
// - batchSize 100 with burstWhenBatchFull: a worker fetches up to 100 jobs in one query,
//   hands them to the handler, completes them in one query, and fetches again at once while
//   batches come back full. Without a batch, pg-boss waits out its polling interval after
//   every fetch (at best 1 job per 0.5 s per worker), so batching is how it is meant to drain.
// - pollingIntervalSeconds 0.5, the minimum pg-boss accepts, and LISTEN/NOTIFY delivery
//   (constructor useListenNotify + queue notify: true, pg-boss's opt-in low-latency mode), so a
//   new job wakes an idle worker instead of waiting for its next poll.
// - pool max 20: at least K (16) + the listener + the producer + pg-boss's own maintenance.

import { PgBoss } from "pg-boss";
import postgres from "postgres";
import { HarnessError, type QueueSystem, type Tally, type WorkerPool } from "./queue_harness.ts";

const SCHEMA = "bench_pgboss";
const QUEUE = "bench_queue_core_noop";
const BATCH_SIZE = 100;
const POLLING_INTERVAL_SECONDS = 0.5;
const POOL_MAX = 20;
const BACKLOG_CHUNK = 1000;

export class PgBossSystem implements QueueSystem {
  readonly id = "pgboss";
  readonly label = "pg-boss";
  readonly settings = `work(localConcurrency K, batchSize ${BATCH_SIZE}, burstWhenBatchFull, ` +
    `pollingIntervalSeconds ${POLLING_INTERVAL_SECONDS}); useListenNotify + queue notify; pool max ${POOL_MAX}; ` +
    `backlog by insert() in batches of ${BACKLOG_CHUNK}`;
  #boss: PgBoss | null = null;
  #errors: unknown[] = [];

  constructor(private admin: postgres.Sql, private dbUrl: string) {}

  async setup(): Promise<void> {
    await this.admin.unsafe(`drop schema if exists ${SCHEMA} cascade`);
    const boss = new PgBoss({
      connectionString: this.dbUrl,
      schema: SCHEMA,
      max: POOL_MAX,
      useListenNotify: true,
      application_name: "bench-queue-core-pgboss",
    });
    // pg-boss reports background failures as events; a worker that cannot reach the database
    // must fail the measurement, not stall it.
    boss.on("error", (e: unknown) => this.#errors.push(e));
    this.#boss = boss;
    await boss.start();
    await boss.createQueue(QUEUE, { notify: true });
  }

  async clear(): Promise<void> {
    await this.#boss!.deleteAllJobs(QUEUE);
    await this.admin.unsafe(`vacuum analyze ${SCHEMA}.job`);
  }

  async enqueueBacklog(n: number): Promise<void> {
    for (let done = 0; done < n; done += BACKLOG_CHUNK) {
      const count = Math.min(BACKLOG_CHUNK, n - done);
      await this.#boss!.insert(
        QUEUE,
        Array.from({ length: count }, () => ({ data: { bench: "queue_core" } })),
      );
    }
  }

  async analyze(): Promise<void> {
    await this.admin.unsafe(`analyze ${SCHEMA}.job`);
  }

  async enqueueOne(): Promise<string> {
    const id = await this.#boss!.send(QUEUE, { bench: "queue_core" });
    if (!id) throw new HarnessError("pg-boss send() returned no job id");
    return id;
  }

  async startWorkers(k: number, onClaim: (key: string) => void): Promise<WorkerPool> {
    const boss = this.#boss!;
    this.#errors = [];
    let fail!: (e: unknown) => void;
    const failure = new Promise<never>((_, reject) => (fail = reject));
    failure.catch(() => {});
    const watch = setInterval(() => {
      if (this.#errors.length) fail(new HarnessError(`pg-boss error: ${String(this.#errors[0])}`));
    }, 50);
    await boss.work(QUEUE, {
      localConcurrency: k,
      batchSize: BATCH_SIZE,
      burstWhenBatchFull: true,
      pollingIntervalSeconds: POLLING_INTERVAL_SECONDS,
    }, (jobs) => {
      for (const job of jobs) onClaim(job.id);
      return Promise.resolve();
    });
    return {
      failure,
      async stop() {
        await boss.offWork(QUEUE, { wait: true });
        clearInterval(watch);
      },
    };
  }

  async tally(): Promise<Tally> {
    const [row] = await this.admin.unsafe(
      `select count(*) filter (where state = 'completed')::int as completed,
              count(*) filter (where state <> 'completed')::int as unfinished
         from ${SCHEMA}.job where name = $1`,
      [QUEUE],
    );
    return { completed: row.completed, unfinished: row.unfinished };
  }

  async teardown(): Promise<void> {
    await this.#boss?.stop({ graceful: true, close: true });
    this.#boss = null;
    await this.admin.unsafe(`drop schema if exists ${SCHEMA} cascade`);
  }
}
