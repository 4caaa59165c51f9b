// Infrastructure faults and races, end to end on the local stack. Each case ends with the
// invariants of scripts/lib/invariants.ts (every page processed, each result once and
// audited, no job processing, no slot held), the capacity books (slotAccounting), and the
// provider stand-in's request count: exact where the design fixes it, otherwise at most one
// repeated call per interrupted attempt (assertRepeatsExplained).
//
//   races      A worker that lost its lease writes after another worker took the job over
//              (a gateway rule holds its record_* RPC while its lease runs out and another
//              worker claims the job): its fenced RPC answers false, nothing is written
//              twice. Overlapping cron ticks (several at once, from separate connections):
//              every document once; the invocations are bounded per tick, not across ticks
//              (see that case). The chain broken (a gateway rule drops the chained
//              invocation): the job is released, nothing moves it until the next tick, which
//              resumes it.
//   dispatcher The pg_net stand-in (service net-dispatcher) down: ticks queue requests in
//              net.http_request_queue, nothing is processed; started again with
//              `stack start`, every queued request is sent exactly once and everything
//              completes. The outage lasts DISPATCHER_OUTAGE_MS: 20 s, so CI stays short
//              (FAULTS_DISPATCHER_OUTAGE_MS=300000 makes it the "several minutes");
//              the mechanism does not depend on its length, and the soak documented in the
//              README runs a longer one.
//   database   PostgreSQL of the instance stopped and started while four workers are
//              mid-document: PostgREST, the gateway's Storage and the net dispatcher
//              reconnect by themselves, the sweeper hands back what the outage interrupted,
//              and everything completes.
//
// The cron jobs run every few seconds (cronTick; hosted pg_cron can schedule in seconds);
// local pg_cron also ticks once a minute on its own, which no case depends on.

import { assert, assertEquals, assertGreaterOrEqual, assertLessOrEqual } from "@std/assert";
import postgres from "postgres";
import { BUCKET, submitDocument } from "../../scripts/lib/documents.ts";
import { cronTick } from "../../scripts/lib/cron.ts";
import { checkInvariants, slotAccounting } from "../../scripts/lib/invariants.ts";
import type { StandInName } from "../../scripts/lib/control.ts";
import { postgresRunning, startPostgres, stopPostgres, waitForPostgres } from "../../stack/postgres.ts";
import { readEnvFile } from "../../stack/instance.ts";
import { logFile, serviceRunning, stopService } from "../../stack/processes.ts";
import {
  accounts,
  endpoints,
  faults,
  fileStates,
  type JobAttempt,
  overrideConfig,
  sample,
  stack,
  standIn,
  summarize,
  waitFor,
  waitUntilFinished,
  withSql,
  workerEvents,
} from "../support/pipeline.ts";
import { client } from "../support/stack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** discharge-summary.pdf: 3 pages with a text layer; 3 x (pass 1 + pass 2) + narrative. */
const DOCUMENT = { name: "discharge-summary.pdf", mimeType: "application/pdf", items: 15 };
const AI_REQUESTS = 7;
const STAND_INS: StandInName[] = ["openai", "vision"];
const DISPATCHER_OUTAGE_MS = Number(Deno.env.get("FAULTS_DISPATCHER_OUTAGE_MS") ?? "20000");
const DATABASE_OUTAGE_MS = 5000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Users = ReturnType<typeof accounts>;

/** `n` copies of the document, each by its own user; their shell file and job ids. */
async function submit(users: Users, n: number, label: string) {
  const bytes = await sample(DOCUMENT.name);
  const ids: string[] = [];
  const jobIds: string[] = [];
  for (let i = 0; i < n; i++) {
    const owner = await users.create(`${label}-${i}`);
    const submission = await submitDocument(endpoints, owner, {
      name: `${label}-${i}.pdf`,
      bytes,
      mimeType: DOCUMENT.mimeType,
    });
    assertEquals(submission.status, 201, JSON.stringify(submission.body));
    ids.push(submission.body.shell_file_id!);
    jobIds.push(submission.body.job_id!);
  }
  return { ids, jobIds };
}

async function attempts(sql: postgres.Sql, jobId: string): Promise<JobAttempt[]> {
  const [row] = await sql<{ attempts: JobAttempt[] | null }[]>`
    select error_details -> 'attempts' as attempts from public.job_queue where id = ${jobId}`;
  return row?.attempts ?? [];
}

/** The invariants for documents expected to complete, and the rate limiter's books. */
async function assertAllCompleted(sql: postgres.Sql, ids: string[]) {
  const report = await checkInvariants(sql, ids.map((shellFileId) => ({
    shellFileId,
    outcome: { completed: { items: DOCUMENT.items } },
  })));
  assertEquals(report.violations, []);
  assertEquals(
    [report.completed, report.lost, report.duplicates, report.leaked_slots, report.jobs_processing],
    [ids.length, 0, 0, 0, 0],
  );
  assertEquals(await slotAccounting(sql), [], "every rate-limit row counts exactly its live leases");
}

/** Fresh stand-ins and no fault rules, before and after each case. */
async function clean() {
  await faults.clear();
  for (const name of STAND_INS) await standIn.reset(name);
}

/** `stack start` as a subprocess with this process's environment: starts what is not running. */
async function stackStart(): Promise<void> {
  const root = stack.config.root;
  const out = await new Deno.Command(`${root}/node_modules/.bin/deno`, {
    args: ["run", "-A", "--config", `${root}/deno.json`, `${root}/stack/cli.ts`, "start"],
    env: { STACK_INSTANCE: stack.config.instance },
    cwd: root,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (out.code !== 0) {
    const text = new TextDecoder().decode(out.stderr) || new TextDecoder().decode(out.stdout);
    throw new Error(`stack start failed (exit ${out.code}): ${text}`);
  }
}

/**
 * Leases of 8 s (job and capacity slot) and no reclaim jitter, so a worker the 6 s wall clock
 * kills is replaced within seconds. A burst of invocations (overlapping ticks, a backlog of
 * queued requests) boots more isolates than 2 cores compile within the wall clock, so the
 * local runtime kills some (before they answer, or mid-step); the sweeper recovers those.
 */
async function shortLeases(sql: postgres.Sql) {
  return [
    await overrideConfig(sql, "worker.timeout_seconds", 8),
    await overrideConfig(sql, "worker.reclaim_jitter_max_seconds", 0),
    await overrideConfig(sql, "rate_limit.capacity_lease_seconds", 8),
  ];
}

/** job-worker invocations the runtime's wall clock has shut down, minus `before`. */
async function wallClockKillsSince(before: number): Promise<number> {
  const log = await Deno.readTextFile(logFile(stack.config.logDir, "gateway")).catch(() => "");
  return log.split("\n").filter((line) => line.startsWith("[job-worker] wall clock limit")).length - before;
}

/**
 * The provider saw every call once, plus at most one per interrupted attempt: an expired
 * lease (a killed worker may have made a call whose result it never recorded) or a failed
 * attempt (a call whose record could not reach the database). Nothing else repeats.
 */
async function assertRepeatsExplained(sql: postgres.Sql, jobIds: string[], calls: number) {
  const requests = (await standIn.counters("openai")).requests;
  const interrupted = (await Promise.all(jobIds.map((j) => attempts(sql, j)))).flat()
    .filter((e) => ["lease_expired", "failed"].includes(e.event as string)).length;
  assertGreaterOrEqual(requests, calls);
  assertLessOrEqual(requests - calls, interrupted, `${requests - calls} call(s) repeated, ${interrupted} attempt(s) interrupted`);
}

function statuses(rows: { status: number | null }[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(String(r.status ?? "timed out"), (counts.get(String(r.status ?? "timed out")) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n} x ${k}`).join(", ");
}

// --- races ------------------------------------------------------------------------------------

Deno.test(
  "a worker that lost its lease writes after another took the job over: its fenced RPC answers false, nothing is written twice",
  opts,
  () =>
    withSql(async (sql) => {
      // Worker A's record_page_entities (pass 1 of page 1, its provider call made) is held
      // HOLD_MS at the gateway. As soon as it is held, A's lease is made to have run out (its
      // last beat moved back past the lease, as if A had stalled that long) and one tick
      // runs: the sweeper hands the job back and the dispatcher starts worker B, which
      // claims it. Then A's write arrives. A is still alive to hear the answer (held
      // 4 s after about half a second of work, inside its 6 s wall clock).
      const LEASE_SECONDS = 10;
      const HOLD_MS = 4000;
      const users = accounts(sql);
      const overrides = [
        await overrideConfig(sql, "worker.timeout_seconds", LEASE_SECONDS),
        await overrideConfig(sql, "worker.reclaim_jitter_max_seconds", 0),
      ];
      try {
        await clean();
        const { ids: [id], jobIds: [jobId] } = await submit(users, 1, "lease-race");
        await faults.add({ path: "^/rest/v1/rpc/record_page_entities$", at: "before", action: "delay", holdMs: HOLD_MS });
        await cronTick(sql);
        // The write is held from some moment after the last poll that saw no hit, so it
        // reaches PostgREST no earlier than that poll + HOLD_MS.
        let notHeldAt = Date.now();
        await waitFor("pass 1 of page 1 held", async () => {
          if ((await faults.list())[0].hits === 1) return true;
          notHeldAt = Date.now();
        }, 30_000, { intervalMs: 50 });
        const arrivesAfter = notHeldAt + HOLD_MS;

        const [stalled] = await sql<{ worker_id: string }[]>`
          update public.job_queue set heartbeat_at = now() - make_interval(secs => ${LEASE_SECONDS + 1})
           where id = ${jobId} and status = 'processing' returning worker_id`;
        assert(stalled, "worker A held the job");
        await cronTick(sql);
        const takenOverAt = await waitFor("worker B holds the job", async () => {
          const [row] = await sql`select status, worker_id from public.job_queue where id = ${jobId}`;
          return row.status === "processing" && row.worker_id !== stalled.worker_id || row.status === "completed"
            ? Date.now()
            : undefined;
        }, 30_000, { intervalMs: 50 });
        assert(
          takenOverAt < arrivesAfter,
          `precondition: worker B claimed the job ${takenOverAt - arrivesAfter} ms after worker A's write could arrive; the machine is too busy for this race`,
        );
        await waitUntilFinished(sql, [id], 60_000, { kickEveryMs: 1000 });

        // Pass 1 of page 1 as each worker logged it: A's late write was refused, B's recorded.
        const pass1Page1 = async (mine: boolean) =>
          (await workerEvents(jobId)).filter((e) =>
            e.event === "step" && e.step === "pass1" && e.page === 1 && (e.worker_id === stalled.worker_id) === mine
          ).map((e) => e.recorded);
        const stalledRun = await waitFor("A's invocation ended", async () =>
          (await workerEvents(jobId)).find((e) => e.event === "invocation" && e.worker_id === stalled.worker_id), 15_000);
        assertEquals(await pass1Page1(true), [false], "A's late record_page_entities answered false");
        assertEquals(await pass1Page1(false), [true], "B recorded it");
        assertEquals(stalledRun.outcome, "lease_lost", "A's invocation stopped there, writing nothing more");
        const expired = (await attempts(sql, jobId)).filter((e) => (e.event as string) === "lease_expired");
        assertEquals(expired.map((e) => e.worker_id), [stalled.worker_id]);
        assertEquals((await faults.list())[0].hits, 1);
        assertEquals((await standIn.counters("openai")).requests, AI_REQUESTS + 1, "pass 1 of page 1 was called twice, recorded once");
        const [page1] = await sql`
          select count(*)::int as rows from public.page_entity_detections where shell_file_id = ${id} and page_number = 1`;
        assertEquals(page1.rows, 1);
        await assertAllCompleted(sql, [id]);
      } finally {
        await clean();
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    }),
);

Deno.test(
  "overlapping cron ticks from separate connections: every document processed once; invocations bounded per tick",
  opts,
  () =>
    withSql(async (sql) => {
      // What bounds the invocations: each private.dispatch_workers() counts the claimable
      // jobs (pending, due) and sends n = that count, capped by dispatch.max_invocations_per_tick
      // and by the free concurrency slots of the jobs' provider endpoint. It claims nothing and
      // takes no lock, so K ticks at the same moment each see the same jobs: up to K x n
      // invocations. The surplus is harmless (a claim takes one job FOR UPDATE SKIP LOCKED; an
      // invocation that finds none returns at once), and pg_cron never overlaps a job with
      // itself, so in production only hand-run or second-level schedules overlap.
      const DOCUMENTS = 2;
      const TICKS = 3;
      const users = accounts(sql);
      const connections = Array.from({ length: TICKS }, () => postgres(stack.dbUrl, { max: 1, onnotice: () => {} }));
      const overrides = await shortLeases(sql);
      try {
        await clean();
        const { ids, jobIds } = await submit(users, DOCUMENTS, "overlap");
        const kills = await wallClockKillsSince(0);
        await Promise.all(connections.map((c) => c`select 1`)); // connected, so they start together
        const [{ base }] = await sql<{ base: number }[]>`
          select greatest((select max(id) from net.http_request_queue), (select max(id) from net._http_response), 0)::int as base`;
        const sent = await Promise.all(connections.map(async (c) => {
          await c`select public.reclaim_expired_capacity()`;
          await c`select public.reclaim_expired_jobs()`;
          const [{ n }] = await c`select private.dispatch_workers() as n`;
          return n as number;
        }));
        assert(sent.every((n) => n <= DOCUMENTS), `each tick sent at most one per claimable job: ${sent}`);
        assertEquals(Math.max(...sent), DOCUMENTS, "the first tick saw every document");
        assertLessOrEqual(sent.reduce((a, b) => a + b, 0), TICKS * DOCUMENTS);

        await waitUntilFinished(sql, ids, 120_000, { kickEveryMs: 5000 });
        // Each request of these ticks went out once.
        const total = sent.reduce((a, b) => a + b, 0);
        const responses = await waitFor("every request of the ticks answered", async () => {
          const rows = await sql<{ id: string; answers: number; status: number | null }[]>`
            select id::text, count(*)::int as answers, max(status_code) as status from net._http_response
             where id > ${base} and id <= ${base + total} group by id order by id`;
          return rows.length === total ? rows : undefined;
        }, 30_000);
        assertEquals(responses.filter((r) => r.answers !== 1), [], "no request sent twice");
        await assertRepeatsExplained(sql, jobIds, DOCUMENTS * AI_REQUESTS);
        console.log(`  ticks sent ${sent.join(" + ")} invocations; answers ${statuses(responses)}; ${await wallClockKillsSince(kills)} wall-clock kill(s)`);
        await assertAllCompleted(sql, ids);
      } finally {
        await Promise.all(connections.map((c) => c.end()));
        await clean();
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    }),
);

Deno.test(
  "the chain broken: the job is released, nothing moves it until the next tick, which resumes it",
  opts,
  () =>
    withSql(async (sql) => {
      // Answers held 800 ms: 7 AI calls outlast the budget (WORKER_BUDGET_MS - margin =
      // 2.5 s in the test instance), so the first invocation releases the job and chains.
      // The dispatcher is paused (max_invocations_per_tick 0) while the released job is
      // watched, so local pg_cron's own minute tick cannot be what moves it.
      const WATCH_MS = 8000;
      const users = accounts(sql);
      const overrides: { restore(): Promise<void> }[] = [];
      try {
        await clean();
        await standIn.setKnobs("openai", { latencyMs: 800 });
        const { ids: [id], jobIds: [jobId] } = await submit(users, 1, "chain");
        await faults.add({
          path: "^/functions/v1/job-worker$",
          method: "POST",
          bodyIncludes: '"source":"chain"',
          at: "before",
          action: "error",
          status: 503,
        });
        await cronTick(sql);
        const paused = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
        overrides.push(paused);
        await waitFor("the chained invocation dropped", async () => (await faults.list())[0].hits === 1 || undefined, 30_000);

        // release_job ran before the chain was attempted: pending, due, no holder, progress kept.
        const state = () =>
          sql`select status, worker_id, retry_count, job_result from public.job_queue where id = ${jobId}`.then((r) => r[0]);
        const released = await state();
        assertEquals([released.status, released.worker_id, released.retry_count], ["pending", null, 0]);
        assert(released.job_result.pass1_done >= 1 && !released.job_result.narrative_done, JSON.stringify(released.job_result));
        const requests = (await standIn.counters("openai")).requests;
        assert(requests > 0 && requests < AI_REQUESTS);
        const until = Date.now() + WATCH_MS;
        while (Date.now() < until) {
          await sleep(500);
          assertEquals(await state(), released, "nothing moved the released job");
        }
        assertEquals((await standIn.counters("openai")).requests, requests, "no provider call while no worker held it");

        // One tick resumes it; chaining (the rule spent) carries it to the end.
        await paused.restore();
        overrides.pop();
        await cronTick(sql);
        await waitUntilFinished(sql, [id], 60_000);
        assertEquals((await faults.list())[0].hits, 1);
        assertEquals((await standIn.counters("openai")).requests, AI_REQUESTS, "resumed from the checkpoint: nothing repeated");
        assertEquals(await attempts(sql, jobId), [], "no failure, no expired lease: a release is not a retry");
        await assertAllCompleted(sql, [id]);
      } finally {
        for (const o of overrides) await o.restore();
        await clean();
        await users.cleanup();
      }
    }),
);

// --- the dispatcher down ---------------------------------------------------------------------

Deno.test(
  "the dispatcher down: ticks queue requests and nothing is processed; back up, each queued request is sent once and everything completes",
  opts,
  () =>
    withSql(async (sql) => {
      const DOCUMENTS = 2;
      const TICK_EVERY_MS = 5000;
      const users = accounts(sql);
      const overrides = await shortLeases(sql);
      try {
        await clean();
        assert(await stopService(stack.config.runDir, "net-dispatcher"), "the net dispatcher was running");
        const { ids, jobIds } = await submit(users, DOCUMENTS, "dispatcher-down");
        const kills = await wallClockKillsSince(0);
        const until = Date.now() + DISPATCHER_OUTAGE_MS;
        let ticks = 0;
        while (Date.now() < until) {
          await cronTick(sql);
          ticks++;
          await sleep(Math.min(TICK_EVERY_MS, Math.max(0, until - Date.now())));
        }
        const queued = (await sql<{ id: string }[]>`select id::text from net.http_request_queue order by id`).map((r) => r.id);
        assertGreaterOrEqual(queued.length, ticks * DOCUMENTS, "each tick queued one request per waiting document");
        assertEquals(summarize(await fileStates(sql, ids)), `${DOCUMENTS} queued/pending`, "nothing was processed");
        assertEquals((await standIn.counters("openai")).requests, 0);

        await stackStart();
        assert(serviceRunning(stack.config.runDir, "net-dispatcher") !== null, "stack start started the dispatcher");
        // A second start leaves running services alone, so it must keep the credential they
        // hold: the cron dispatcher's (Vault) and the env file's are still the gateway's.
        const [{ vaultKey }] = await sql`
          select decrypted_secret as "vaultKey" from vault.decrypted_secrets where name = 'service_role_key'`;
        assertEquals(
          [vaultKey === stack.serviceRoleKey, readEnvFile(stack.config).SUPABASE_SERVICE_ROLE_KEY === stack.serviceRoleKey],
          [true, true],
          "stack start kept the service key the running gateway and job-worker hold",
        );
        // The queued requests alone start the work; the ticks after are what pg_cron keeps doing.
        await waitUntilFinished(sql, ids, 150_000, { kickEveryMs: 5000 });

        const answered = await waitFor("every queued request answered", async () => {
          const rows = await sql<{ id: string; answers: number; status: number | null }[]>`
            select id::text, count(*)::int as answers, max(status_code) as status from net._http_response
             where id = any(${queued}::bigint[]) group by id order by id`;
          return rows.length === queued.length ? rows : undefined;
        }, 30_000);
        assertEquals(answered.filter((r) => r.answers !== 1), [], "no queue row sent twice");
        assertEquals(answered.filter((r) => r.status === 403 || r.status === 401), [], "the worker accepted the dispatcher's credential");
        const [{ twice }] = await sql`
          select count(*)::int as twice from (
            select id from net._http_response where id >= ${queued[0]}::bigint group by id having count(*) > 1) d`;
        assertEquals(twice, 0, "nor any request sent since (the ticks after the restart)");
        assertEquals((await sql`select count(*)::int as n from net.http_request_queue where id = any(${queued}::bigint[])`)[0].n, 0);
        await assertRepeatsExplained(sql, jobIds, DOCUMENTS * AI_REQUESTS);
        console.log(`  ${ticks} ticks queued ${queued.length} requests; answers ${statuses(answered)}; ${await wallClockKillsSince(kills)} wall-clock kill(s)`);
        await assertAllCompleted(sql, ids);
      } finally {
        if (serviceRunning(stack.config.runDir, "net-dispatcher") === null) await stackStart();
        await clean();
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    }),
);

// --- the database restarted ------------------------------------------------------------------

Deno.test(
  "the database restarted while four workers are mid-document: the services reconnect by themselves and everything completes",
  opts,
  () =>
    withSql(async (sql) => {
      const DOCUMENTS = 4;
      const LEASE_SECONDS = 8;
      const users = accounts(sql);
      const overrides = [
        await overrideConfig(sql, "worker.timeout_seconds", LEASE_SECONDS),
        await overrideConfig(sql, "worker.reclaim_jitter_max_seconds", 0),
        await overrideConfig(sql, "rate_limit.capacity_lease_seconds", LEASE_SECONDS),
        await overrideConfig(sql, "queue.retry_base_delay_seconds", 1),
      ];
      try {
        await clean();
        // Answers held 400 ms, so each document's 7 AI calls take seconds and the restart
        // finds calls in flight.
        await standIn.setKnobs("openai", { latencyMs: 400 });
        const { ids, jobIds } = await submit(users, DOCUMENTS, "db-restart");
        const [{ storage_path: objectPath }] = await sql`select storage_path from public.shell_files where id = ${ids[0]}`;
        await cronTick(sql);
        await waitFor("workers mid-document", async () => {
          const [row] = await sql`
            select count(*)::int as n from public.job_queue where id = any(${jobIds}::uuid[]) and status = 'processing'`;
          const counters = await standIn.counters("openai");
          return row.n >= DOCUMENTS - 1 && counters.concurrent >= 2 ? true : undefined;
        }, 60_000, { intervalMs: 100 });

        const downAt = Date.now();
        await stopPostgres(stack.config);
        await sleep(DATABASE_OUTAGE_MS);
        await startPostgres(stack.config);
        await waitForPostgres(stack.config);
        await waitFor("our own connection back", () => sql`select 1`.then(() => true, () => undefined), 30_000);

        // PostgREST and the gateway's Storage reconnect without being restarted.
        const service = { apikey: stack.serviceRoleKey, authorization: `Bearer ${stack.serviceRoleKey}` };
        const restBack = await waitFor("PostgREST answering again", async () => {
          const res = await fetch(`${stack.url}/rest/v1/system_configuration?select=config_key&limit=1`, { headers: service })
            .catch(() => null);
          await res?.body?.cancel();
          return res?.ok ? Date.now() - downAt : undefined;
        }, 60_000, { intervalMs: 250 });
        const storage = client(stack.serviceRoleKey).storage.from(BUCKET);
        const size = (await sample(DOCUMENT.name)).length;
        const storageBack = await waitFor("Storage answering again", async () => {
          const { data } = await storage.download(objectPath);
          return data?.size === size ? Date.now() - downAt : undefined;
        }, 60_000, { intervalMs: 250 });
        console.log(`  outage ${DATABASE_OUTAGE_MS} ms; PostgREST back ${restBack} ms, Storage back ${storageBack} ms after the stop`);

        await waitUntilFinished(sql, ids, 150_000, { kickEveryMs: 3000 });
        // A slot taken by a worker whose release could not reach the database is freed when
        // its capacity lease expires.
        await waitFor("capacity slots freed", async () => {
          await cronTick(sql);
          const [{ n }] = await sql`
            select count(*)::int as n from public.api_capacity_leases where job_id = any(${jobIds}::uuid[])`;
          return n === 0 ? true : undefined;
        }, 30_000, { intervalMs: 1000 });

        await assertRepeatsExplained(sql, jobIds, DOCUMENTS * AI_REQUESTS);
        const requests = (await standIn.counters("openai")).requests;
        const events = (await Promise.all(jobIds.map((j) => attempts(sql, j)))).flat();
        console.log(`  ${requests - DOCUMENTS * AI_REQUESTS} call(s) repeated; job events: ${events.map((e) => e.event).join(", ") || "none"}`);
        await assertAllCompleted(sql, ids);
      } finally {
        if (!(await postgresRunning(stack.config))) {
          await startPostgres(stack.config);
          await waitForPostgres(stack.config);
        }
        await waitFor("our own connection back", () => sql`select 1`.then(() => true, () => undefined), 30_000);
        await clean();
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    }),
);
