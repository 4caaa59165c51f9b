// claim_next_job_v3 under real concurrency, which pgTAP (one session) cannot show:
// several database sessions, and several REST clients, claiming from the same queue
// at once. Every job must be claimed exactly once; no job twice.
//
// Each test registers its own job type in public.job_lanes and claims only that type,
// so other tests' jobs in the same database neither interfere nor get claimed.

import { assert, assertEquals } from "@std/assert";
import postgres from "postgres";
import { client, sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

const JOBS = 120;
const WORKERS = 8;

async function withJobType(
  sql: postgres.Sql,
  body: (jobType: string) => Promise<void>,
): Promise<void> {
  const jobType = `zz_claim_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  await sql`insert into public.job_lanes (job_type, job_lane, is_default, description)
            values (${jobType}, 'standard', true, 'job_claim_concurrency test')`;
  try {
    await body(jobType);
  } finally {
    await sql`delete from public.job_queue where job_type = ${jobType}`;
    await sql`delete from public.job_lanes where job_type = ${jobType}`;
  }
}

/** Asserts that `claims` (worker, job id) covers exactly the queued ids, once each, and the table agrees. */
async function assertClaimedOnce(
  sql: postgres.Sql,
  jobType: string,
  queued: string[],
  claims: { worker: string; jobId: string }[],
) {
  const ids = claims.map((c) => c.jobId);
  const duplicates = ids.filter((id, i) => ids.indexOf(id) !== i);
  assertEquals(duplicates, [], "no job was claimed twice");
  assertEquals(ids.length, queued.length, "every job was claimed");
  assertEquals([...ids].sort(), [...queued].sort(), "the claimed jobs are exactly the queued ones");

  const rows = await sql<{ id: string; status: string; worker_id: string }[]>`
    select id, status, worker_id from public.job_queue where job_type = ${jobType}`;
  const holder = new Map(claims.map((c) => [c.jobId, c.worker]));
  for (const row of rows) {
    assertEquals(row.status, "processing");
    assertEquals(row.worker_id, holder.get(row.id), `job ${row.id} is held by the worker that got it`);
  }
  const perWorker = new Set(claims.map((c) => c.worker));
  assert(perWorker.size > 1, "the work was spread over several workers (they really ran concurrently)");
}

Deno.test("separate database sessions claiming at once: each job exactly once", opts, async () => {
  const sql = sqlAsPostgres();
  const sessions = Array.from({ length: WORKERS }, () => postgres(stack.dbUrl, { max: 1, onnotice: () => {} }));
  try {
    await withJobType(sql, async (jobType) => {
      const queued = (await sql<{ job_id: string }[]>`
        select (public.enqueue_job_v3(${jobType}, 'claim ' || g, jsonb_build_object('n', g))).job_id
          from generate_series(1, ${JOBS}) g`).map((r) => r.job_id);
      assertEquals(new Set(queued).size, JOBS);

      // Every session loops until the queue is empty, all at the same time.
      const claims: { worker: string; jobId: string }[] = [];
      await Promise.all(sessions.map(async (session, i) => {
        const worker = `sql-worker-${i}`;
        while (true) {
          const rows = await session.begin(async (tx) => {
            await tx`set local role service_role`;
            return await tx<{ job_id: string }[]>`
              select job_id from public.claim_next_job_v3(${worker}, ${[jobType]}::text[])`;
          });
          if (rows.length === 0) break;
          assertEquals(rows.length, 1, "one job per claim");
          claims.push({ worker, jobId: rows[0].job_id });
        }
      }));

      await assertClaimedOnce(sql, jobType, queued, claims);
    });
  } finally {
    await Promise.all(sessions.map((s) => s.end()));
    await sql.end();
  }
});

Deno.test("REST clients with the service key, enqueueing and claiming at once: each job exactly once", opts, async () => {
  const sql = sqlAsPostgres();
  try {
    await withJobType(sql, async (jobType) => {
      const service = client(stack.serviceRoleKey);

      // Enqueue through PostgREST (the contract's argument names), concurrently.
      const enqueued = await Promise.all(Array.from({ length: JOBS / 2 }, (_, n) =>
        service.rpc("enqueue_job_v3", {
          job_type: jobType,
          job_name: `rest ${n}`,
          job_payload: { n },
          priority: 1 + (n % 10),
        })
      ));
      const queued: string[] = [];
      for (const { data, error } of enqueued) {
        assertEquals(error, null);
        assertEquals(data.length, 1);
        assert(data[0].scheduled_at, "scheduled_at returned");
        queued.push(data[0].job_id);
      }

      const claims: { worker: string; jobId: string }[] = [];
      await Promise.all(Array.from({ length: WORKERS }, async (_, i) => {
        const worker = `rest-worker-${i}`;
        const rest = client(stack.serviceRoleKey);
        while (true) {
          const { data, error } = await rest.rpc("claim_next_job_v3", { worker_id: worker, job_types: [jobType] });
          assertEquals(error, null);
          if (data.length === 0) break;
          assertEquals(data.length, 1, "one job per claim");
          claims.push({ worker, jobId: data[0].job_id });
        }
      }));

      await assertClaimedOnce(sql, jobType, queued, claims);
    });
  } finally {
    await sql.end();
  }
});
