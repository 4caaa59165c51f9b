// This project's queue as the benchmark drives it: public.enqueue_job_v3, then
// public.claim_next_job_v3 → public.complete_job one job at a time, or
// public.claim_next_jobs_v3 → public.complete_jobs a batch at a time, called as service_role
// (a) over direct SQL and (b) through PostgREST the way supabase-js calls them (the stack's
// gateway, the service key, `.rpc(...)`, the client options of functions/_shared/supabase.ts).
//
// Direct SQL uses node-postgres (pg), the driver pg-boss and Graphile Worker run on, with
// prepared statements as Graphile Worker uses them: the client side of a round trip then costs
// the same for all three, and what differs is the SQL each one runs.
//
// The bench registers its own no-op job type in public.job_lanes (no provider, so enqueue
// takes no backpressure lock) and removes it, its jobs and their audit rows at the end.
// Workers claim only that type (job_types), as the project's job-worker claims only its own.

import pg from "pg";
import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import {
  HarnessError,
  loopPool,
  type QueueSystem,
  type Tally,
  type WorkerPool,
} from "./queue_harness.ts";

export const BENCH_JOB_TYPE = "bench_queue_core_noop";
const JOB_NAME = "queue core benchmark";
const PAYLOAD = { bench: "queue_core" };
/** Jobs per statement when enqueueing a backlog (one transaction each). */
const BACKLOG_CHUNK = 1000;

type Sql = postgres.Sql;

/**
 * What both transports share: the job type, bulk enqueue, the tally and the clean-up, all
 * through one `postgres` connection (the table owner, as migrations and the SQL editor).
 */
export class RpcQueue {
  constructor(readonly admin: Sql) {}

  async register(): Promise<void> {
    await this.admin`
      insert into public.job_lanes (job_type, job_lane, is_default, description)
      values (${BENCH_JOB_TYPE}, 'standard', true, 'No-op jobs of bench/queue_core.ts; removed by its teardown.')
      on conflict (job_type, job_lane) do nothing`;
  }

  /** The backlog goes through enqueue_job_v3 itself (validation, audit), many calls per statement. */
  async enqueueBacklog(n: number): Promise<void> {
    for (let done = 0; done < n; done += BACKLOG_CHUNK) {
      const count = Math.min(BACKLOG_CHUNK, n - done);
      await this.admin.begin(async (tx) => {
        await tx`set local role service_role`;
        // In the select list, a volatile function runs once per row (in FROM, with arguments
        // that do not depend on the row, it would run once).
        await tx`
          select public.enqueue_job_v3(${BENCH_JOB_TYPE}, ${JOB_NAME}, ${tx.json(PAYLOAD)})
            from generate_series(1, ${count}::int)`;
      });
    }
  }

  async analyze(): Promise<void> {
    await this.admin.unsafe("analyze public.job_queue");
  }

  async tally(): Promise<Tally> {
    const [row] = await this.admin`
      select count(*) filter (where status = 'completed')::int as completed,
             count(*) filter (where status <> 'completed')::int as unfinished
        from public.job_queue where job_type = ${BENCH_JOB_TYPE}`;
    return { completed: row.completed, unfinished: row.unfinished };
  }

  /**
   * Deletes the bench's jobs and the audit rows enqueue and complete wrote for them, then
   * vacuums, so each measurement starts from the same table. audit_log is append-only by
   * trigger; the bench lifts that trigger for its one DELETE inside the same transaction
   * (ALTER TABLE holds an exclusive lock until commit, so no other session ever sees it off,
   * and a failure rolls it back), deleting only rows whose job_id is one of its own jobs.
   */
  async clear(): Promise<void> {
    await this.admin.begin(async (tx) => {
      await tx`alter table public.audit_log disable trigger audit_log_append_only`;
      await tx`
        delete from public.audit_log a
         using public.job_queue q
         where a.job_id = q.id and q.job_type = ${BENCH_JOB_TYPE}`;
      await tx`alter table public.audit_log enable trigger audit_log_append_only`;
      await tx`delete from public.job_queue where job_type = ${BENCH_JOB_TYPE}`;
    });
    await this.admin.unsafe("vacuum analyze public.job_queue, public.audit_log");
  }

  async unregister(): Promise<void> {
    await this.clear();
    await this.admin`delete from public.job_lanes where job_type = ${BENCH_JOB_TYPE}`;
  }
}

/**
 * How a worker takes and finishes jobs: one per call (claim_next_job_v3 → complete_job), or up
 * to `batch` per call (claim_next_jobs_v3 → complete_jobs), like pg-boss's batchSize and
 * Graphile Worker's batching.
 */
function mode(batch: number): { suffix: string; label: string; calls: string } {
  return batch === 1
    ? {
      suffix: "",
      label: "",
      calls: "claim_next_job_v3(worker_id, job_types) → complete_job(job_id, worker_id)",
    }
    : {
      suffix: `_batch${batch}`,
      label: `, batches of ${batch}`,
      calls:
        `claim_next_jobs_v3(worker_id, job_types, max_jobs => ${batch}) → complete_jobs(job_ids, worker_id)`,
    };
}

/** One worker's calls: the ids it claimed, and how many of them its completion accepted. */
interface WorkerCalls {
  claim(workerId: string, batch: number): Promise<string[]>;
  complete(ids: string[], workerId: string, batch: number): Promise<number>;
  close(): Promise<void>;
}

/** How the RPCs are reached: what differs between direct SQL and PostgREST, and only that. */
export interface RpcTransport {
  readonly id: string;
  readonly label: string;
  readonly settings: string;
  open(): Promise<void>;
  close(): Promise<void>;
  /** One job as an application enqueues it; resolves once committed, with its id. */
  enqueueOne(): Promise<string>;
  openWorker(): Promise<WorkerCalls>;
}

/** This project's queue as a benchmarked system: the same worker loop over either transport. */
export class RpcSystem implements QueueSystem {
  readonly id: string;
  readonly label: string;
  readonly settings: string;

  constructor(
    private queue: RpcQueue,
    private transport: RpcTransport,
    private pollMs: number,
    private batch = 1,
  ) {
    const m = mode(batch);
    this.id = `${transport.id}${m.suffix}`;
    this.label = `this project's RPCs, ${transport.label}${m.label}`;
    this.settings = `${m.calls} as service_role, ${transport.settings}; idle poll ${pollMs} ms`;
  }

  async setup(): Promise<void> {
    await this.queue.register();
    await this.transport.open();
  }

  clear(): Promise<void> {
    return this.queue.clear();
  }

  enqueueBacklog(n: number): Promise<void> {
    return this.queue.enqueueBacklog(n);
  }

  analyze(): Promise<void> {
    return this.queue.analyze();
  }

  enqueueOne(): Promise<string> {
    return this.transport.enqueueOne();
  }

  async startWorkers(k: number, onClaim: (key: string) => void): Promise<WorkerPool> {
    const workers = await Promise.all(Array.from({ length: k }, () => this.transport.openWorker()));
    const run = crypto.randomUUID().slice(0, 8);
    const pool = loopPool(k, async (i, ctx) => {
      const calls = workers[i];
      const workerId = `bench-${this.transport.id}-${run}-${i}`;
      while (!ctx.stopped()) {
        const ids = await calls.claim(workerId, this.batch);
        if (ids.length === 0) {
          await ctx.idle(this.pollMs);
          continue;
        }
        ids.forEach(onClaim);
        // Nothing else touches the bench's jobs: every job a worker claimed is its to complete.
        const completed = await calls.complete(ids, workerId, this.batch);
        if (completed !== ids.length) {
          throw new HarnessError(
            `completion refused ${
              ids.length - completed
            } of ${ids.length} job(s) to their holder ${workerId}`,
          );
        }
      }
    });
    return {
      failure: pool.failure,
      async stop() {
        await pool.stop();
        await Promise.all(workers.map((w) => w.close()));
      },
    };
  }

  tally(): Promise<Tally> {
    return this.queue.tally();
  }

  async teardown(): Promise<void> {
    await this.transport.close();
    await this.queue.unregister();
  }
}

/** (a) Direct SQL: one connection per worker, `set role service_role`, the RPCs as SQL calls. */
export class SqlTransport implements RpcTransport {
  readonly id = "rpc_sql";
  readonly label = "direct SQL";
  readonly settings = "node-postgres, prepared statements, one connection per worker";
  #producer: pg.Client | null = null;

  constructor(private dbUrl: string) {}

  async open(): Promise<void> {
    this.#producer = await serviceRoleConnection(this.dbUrl);
  }

  async close(): Promise<void> {
    await this.#producer?.end();
    this.#producer = null;
  }

  async enqueueOne(): Promise<string> {
    const result = await this.#producer!.query<{ job_id: string }>({
      name: "bench_enqueue",
      text: "select job_id from public.enqueue_job_v3($1, $2, $3)",
      values: [BENCH_JOB_TYPE, JOB_NAME, PAYLOAD],
    });
    return result.rows[0].job_id;
  }

  async openWorker(): Promise<WorkerCalls> {
    const db = await serviceRoleConnection(this.dbUrl);
    return {
      async claim(workerId, batch) {
        const claim = batch === 1
          ? await db.query<{ job_id: string }>({
            name: "bench_claim",
            text: "select job_id from public.claim_next_job_v3($1, $2)",
            values: [workerId, [BENCH_JOB_TYPE]],
          })
          : await db.query<{ job_id: string }>({
            name: "bench_claim_batch",
            text: "select job_id from public.claim_next_jobs_v3($1, $2, null, $3)",
            values: [workerId, [BENCH_JOB_TYPE], batch],
          });
        return claim.rows.map((r) => r.job_id);
      },
      async complete(ids, workerId, batch) {
        if (batch === 1) {
          const done = await db.query<{ ok: boolean }>({
            name: "bench_complete",
            text: "select public.complete_job($1, $2) as ok",
            values: [ids[0], workerId],
          });
          return done.rows[0].ok === true ? 1 : 0;
        }
        const done = await db.query<{ job_id: string }>({
          name: "bench_complete_batch",
          text: "select job_id from public.complete_jobs($1, $2)",
          values: [ids, workerId],
        });
        return done.rows.length;
      },
      close: () => db.end(),
    };
  }
}

/** (b) PostgREST: supabase-js with the service key against the gateway, as an app calls it. */
export class RestTransport implements RpcTransport {
  readonly id = "rpc_rest";
  readonly label = "PostgREST (supabase-js)";
  readonly settings =
    "through supabase-js .rpc() with the service key, via the stack's gateway; one client for " +
    "the K loops; PostgREST's default pool (10 connections)";
  #client: SupabaseClient | null = null;

  constructor(private url: string, private serviceRoleKey: string) {}

  open(): Promise<void> {
    this.#client = createClient(this.url, this.serviceRoleKey, {
      auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    });
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.#client = null;
    return Promise.resolve();
  }

  /** The data of an .rpc() call, or a HarnessError naming the function. */
  async #call<T>(fn: string, args: Record<string, unknown>): Promise<T> {
    const { data, error } = await this.#client!.rpc(fn, args);
    if (error) throw new HarnessError(`${fn} over PostgREST: ${error.message}`);
    return data as T;
  }

  async enqueueOne(): Promise<string> {
    const rows = await this.#call<Array<{ job_id: string }>>("enqueue_job_v3", {
      job_type: BENCH_JOB_TYPE,
      job_name: JOB_NAME,
      job_payload: PAYLOAD,
    });
    return rows[0].job_id;
  }

  openWorker(): Promise<WorkerCalls> {
    const call = <T>(fn: string, args: Record<string, unknown>) => this.#call<T>(fn, args);
    return Promise.resolve({
      async claim(workerId, batch) {
        const rows = batch === 1
          ? await call<Array<{ job_id: string }>>("claim_next_job_v3", {
            worker_id: workerId,
            job_types: [BENCH_JOB_TYPE],
          })
          : await call<Array<{ job_id: string }>>("claim_next_jobs_v3", {
            worker_id: workerId,
            job_types: [BENCH_JOB_TYPE],
            max_jobs: batch,
          });
        return rows.map((r) => r.job_id);
      },
      async complete(ids, workerId, batch) {
        if (batch === 1) {
          const ok = await call<boolean>("complete_job", {
            p_job_id: ids[0],
            p_worker_id: workerId,
          });
          return ok === true ? 1 : 0;
        }
        const rows = await call<Array<{ job_id: string }>>("complete_jobs", {
          p_job_ids: ids,
          p_worker_id: workerId,
        });
        return rows.length;
      },
      close: () => Promise.resolve(),
    });
  }
}

async function serviceRoleConnection(dbUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: dbUrl, application_name: "bench-queue-core" });
  await client.connect();
  await client.query("set role service_role");
  return client;
}
