// The pipeline under load and provider faults, on the local stack, judged by what the OpenAI
// stand-in saw (its counters) rather than by what our own code says it did:
//   6. 20 documents at once under small limits on ('openai', 'gpt-4o-mini'): the stand-in
//      never had more requests in flight than concurrent_requests, never more in a clock
//      minute than requests_per_minute, and never had to answer 429 for its own limit (set to
//      the same number), and every document still completed;
//   7. a provider that answers 500 a few times: the job is retried with fail_job's backoff,
//      resumes from its checkpoint, completes, and error_details shows each failed attempt.
// Both restore the rate limit row, system_configuration and the stand-in's knobs in `finally`,
// and delete their accounts (with uploads, files, jobs and results).
//
// Local pg_cron ticks once a minute, and a worker invocation that had to reschedule (no
// capacity) or fail a job ends without chaining another, so such a job waits for the next
// tick. These tests call the dispatcher every few seconds while a job is due (what a pg_cron
// schedule in seconds does on hosted Supabase), so they measure the limits, not the tick.

import { assert, assertEquals } from "@std/assert";
import postgres from "postgres";
import { kickDispatcher, submitDocument } from "../../scripts/lib/documents.ts";
import {
  accounts,
  endpoints,
  type JobAttempt,
  overrideConfig,
  sample,
  standIn,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PDF = "application/pdf";
/** discharge-summary.pdf: 3 pages x (pass 1 + pass 2) + 1 narrative. */
const AI_REQUESTS_PER_DOCUMENT = 7;
const ITEMS_PER_DOCUMENT = 15;
const verbose = Boolean(Deno.env.get("PIPELINE_TEST_VERBOSE"));

interface Limits {
  requests_per_minute: number;
  concurrent_requests: number;
}

/** The AI passes' rate limit row set to `limits`; `restore()` puts the old values back. */
async function overrideAiLimits(sql: postgres.Sql, limits: Limits) {
  const [saved] = await sql<Limits[]>`
    select requests_per_minute, concurrent_requests from public.api_rate_limits
     where provider_name = 'openai' and api_endpoint = 'gpt-4o-mini'`;
  const set = (l: Limits) =>
    sql`update public.api_rate_limits
           set requests_per_minute = ${l.requests_per_minute}, concurrent_requests = ${l.concurrent_requests},
               updated_at = now()
         where provider_name = 'openai' and api_endpoint = 'gpt-4o-mini'`;
  await set(limits);
  return { restore: () => set(saved).then(() => {}) };
}

/** Per document: extraction rows, reschedules and failures recorded with its job. */
function documentResults(sql: postgres.Sql, ids: string[]) {
  return sql<{ id: string; status: string; items: number; rescheduled: number; failed: number; retry_count: number }[]>`
    select f.id::text, f.status, q.retry_count,
           (select count(*)::int from public.clinical_extractions x where x.shell_file_id = f.id) as items,
           (select count(*)::int from jsonb_array_elements(coalesce(q.error_details -> 'attempts', '[]')) a
             where a ->> 'event' = 'rescheduled') as rescheduled,
           (select count(*)::int from jsonb_array_elements(coalesce(q.error_details -> 'attempts', '[]')) a
             where a ->> 'event' = 'failed') as failed
      from public.shell_files f join public.job_queue q on q.id = f.processing_job_id
     where f.id = any(${ids}::uuid[])`;
}

Deno.test("20 documents at once: the stand-in never sees more than the configured concurrency or requests per minute, and no 429", opts, () =>
  withSql(async (sql) => {
    // 20 x 7 = 140 AI requests: more than the 100 a minute allowed, so they need two clock
    // minutes and the per-minute limit binds whenever one window gets 100 of them. 3 at a
    // time, each answer held 200 ms so requests overlap: about 170 a minute at most, so
    // 50 s without waiting, about 75 s when the first 100 fill a minute early on. (With a
    // loose row, 50 at a time and 300 a minute, the stand-in saw 8 at once, 110 in a minute
    // and answered 429 ten times: these assertions fail when the limiter does not hold.)
    const DOCUMENTS = 20;
    const limits = { requests_per_minute: 100, concurrent_requests: 3 };
    const users = accounts(sql);
    const aiLimits = await overrideAiLimits(sql, limits);
    try {
      await standIn.reset("openai");
      await standIn.setKnobs("openai", { requestsPerMinute: limits.requests_per_minute, latencyMs: 200 });
      const bytes = await sample("discharge-summary.pdf");
      const ids: string[] = [];
      for (let i = 0; i < DOCUMENTS; i++) {
        const owner = await users.create(`limits-${i}`);
        const submission = await submitDocument(endpoints, owner, {
          name: `discharge-summary-copy-${i}.pdf`,
          bytes,
          mimeType: PDF,
        });
        assertEquals(submission.status, 201, JSON.stringify(submission.body));
        ids.push(submission.body.shell_file_id!);
      }
      const started = Date.now();
      await kickDispatcher(sql);
      await waitUntilFinished(sql, ids, 150_000, { kickEveryMs: 3000 });
      const seconds = (Date.now() - started) / 1000;

      const counters = await standIn.counters("openai");
      const results = await documentResults(sql, ids);
      if (verbose) {
        const rescheduled = results.reduce((n, r) => n + r.rescheduled, 0);
        console.log(`  ${DOCUMENTS} documents in ${seconds.toFixed(1)} s; stand-in: ${JSON.stringify(counters)}; reschedules ${rescheduled}`);
      }
      assertEquals(results.filter((r) => r.status !== "completed" || r.items !== ITEMS_PER_DOCUMENT), [], "every document completed with its 15 items");
      assertEquals(results.filter((r) => r.failed > 0), [], "no job failed an attempt");
      assertEquals(counters.requests, DOCUMENTS * AI_REQUESTS_PER_DOCUMENT, "each AI request made once");
      assertEquals(counters.rateLimited, 0, "the stand-in never answered 429: we never over-admitted");
      assertEquals(counters.serverErrors, 0);
      assert(
        counters.peakConcurrent <= limits.concurrent_requests,
        `peak concurrency ${counters.peakConcurrent} > ${limits.concurrent_requests}`,
      );
      assertEquals(counters.peakConcurrent, limits.concurrent_requests, "the concurrency limit was reached, so it was tested");
      assert(
        counters.peakRequestsPerMinute <= limits.requests_per_minute,
        `peak requests per minute ${counters.peakRequestsPerMinute} > ${limits.requests_per_minute}`,
      );
      assert(results.some((r) => r.rescheduled > 0), "workers were told to wait (no capacity) and rescheduled");
      const [leases] = await sql`
        select count(*)::int as n from public.api_capacity_leases l join public.api_rate_limits r on r.id = l.rate_limit_id
         where r.provider_name = 'openai' and r.api_endpoint = 'gpt-4o-mini'`;
      assertEquals(leases.n, 0, "every capacity slot was released");
    } finally {
      await standIn.reset("openai");
      await aiLimits.restore();
      await users.cleanup();
    }
  }));

Deno.test("a provider answering 500 twice: fail_job retries with backoff, the job resumes and completes, error_details shows the attempts", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    const backoff = await overrideConfig(sql, "queue.retry_base_delay_seconds", 1);
    try {
      const owner = await users.create("limits-fault");
      await standIn.reset("openai");
      await standIn.setKnobs("openai", { fail500: 2 });
      const submission = await submitDocument(endpoints, owner, {
        name: "discharge-summary.pdf",
        bytes: await sample("discharge-summary.pdf"),
        mimeType: PDF,
      });
      assertEquals(submission.status, 201, JSON.stringify(submission.body));
      const shellFileId = submission.body.shell_file_id!;
      const started = Date.now();
      await kickDispatcher(sql);
      const [done] = await waitUntilFinished(sql, [shellFileId], 60_000, { kickEveryMs: 1000 });
      assertEquals(done.status, "completed");
      if (verbose) console.log(`  completed after two 500s in ${((Date.now() - started) / 1000).toFixed(1)} s`);

      const [job] = await sql`select * from public.job_queue where id = ${submission.body.job_id!}`;
      assertEquals([job.status, job.retry_count, job.dead_letter_at], ["completed", 2, null]);
      const attempts = (job.error_details.attempts as JobAttempt[]).filter((a) => a.event === "failed");
      assertEquals(
        attempts.map((a) => ({
          outcome: a.outcome,
          retryable: a.retryable,
          retry_count: a.retry_count,
          delay_seconds: Number(a.delay_seconds),
          code: a.error?.code,
          step: a.error?.step,
          page: a.error?.page,
          status: a.error?.status,
        })),
        [1, 2].map((n) => ({
          outcome: "retrying",
          retryable: true,
          retry_count: n,
          delay_seconds: 2 ** (n - 1), // base 1 s, doubled per retry
          code: "provider_unavailable",
          step: "pass1", // the first provider call; inspect and the text layer need none
          page: 1,
          status: 500,
        })),
      );
      assert(attempts.every((a) => Number(a.jitter_seconds) <= Number(a.delay_seconds) / 2));

      const counters = await standIn.counters("openai");
      assertEquals(
        [counters.requests, counters.serverErrors, counters.rateLimited],
        [AI_REQUESTS_PER_DOCUMENT + 2, 2, 0],
        "7 AI requests that succeeded plus the 2 that failed",
      );
      const [rows] = await sql`
        select (select count(*)::int from public.shell_file_pages where shell_file_id = ${shellFileId}) as pages,
               (select count(*)::int from public.page_entity_detections where shell_file_id = ${shellFileId}) as entities,
               (select count(*)::int from public.clinical_extractions where shell_file_id = ${shellFileId}) as items,
               (select count(*)::int from public.clinical_narratives where shell_file_id = ${shellFileId}) as narratives,
               (select count(*)::int from public.audit_log
                 where job_id = ${job.id} and table_name = 'shell_file_pages') as page_audits,
               (select processing_error from public.shell_files where id = ${shellFileId}) as error`;
      assertEquals(
        rows,
        { pages: 3, entities: 3, items: ITEMS_PER_DOCUMENT, narratives: 1, page_audits: 3, error: null },
        "the retries resumed from the checkpoint: nothing written twice",
      );
    } finally {
      await standIn.reset("openai");
      await backoff.restore();
      await users.cleanup();
    }
  }));
