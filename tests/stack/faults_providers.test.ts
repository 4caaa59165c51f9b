// Provider faults, end to end on the local stack: the stand-ins' knobs (stack/providers/
// standin_server.ts) make the provider answer 429 with or without Retry-After, 500, nothing
// at all (held past AI_TIMEOUT_MS, 2 s in the test instance), or a 200 whose content fails
// validation, and the job must end as the worker's outcome table says
// (functions/_shared/worker/outcomes.ts):
//   429                   reschedule_job, no retry counted, due after Retry-After (or 30 s)
//   500, timeout          fail_shell_file_job retryable: retried with fail_job's backoff,
//                         resumed from its checkpoint
//   invalid answer        the same as a 500 (since d1861a8): retried, nothing half-written
//   500 (or bad answers)  retried max_retries times, then dead-lettered (max_retries_exhausted),
//     for ever            the user told in plain words
// One document per case (discharge-summary.pdf: 3 pages with a text layer, 15 items, 7 AI
// requests; scanned-referral.png: 1 OCR call, then 3 AI requests, 4 items). Each case ends
// with the invariants of scripts/lib/invariants.ts (nothing lost or duplicated, every
// clinical write audited, no job processing, no slot held, a dead letter's readable
// reason), the capacity accounting (every rate-limit row's active_requests = its live
// leases), and the stand-ins' exact counters: which requests were made, and how many times.
//
// queue.retry_base_delay_seconds is 1 s here (10 s by default), so retries take seconds; the
// cron jobs run every second (waitUntilFinished's kicks), as a pg_cron schedule in seconds
// would. A provider 500 that heals on pass 1 of page 1 is in pipeline_limits.test.ts (with
// fail_job's exact backoff); this file covers OCR, a 500 after every page was recorded, and
// the rest of the list.

import { assert, assertEquals, assertGreaterOrEqual, assertLessOrEqual } from "@std/assert";
import type postgres from "postgres";
import type { StandInName } from "../../scripts/lib/control.ts";
import { type Account, processingStatus, submitDocument } from "../../scripts/lib/documents.ts";
import { cronTick } from "../../scripts/lib/cron.ts";
import { checkInvariants, slotAccounting } from "../../scripts/lib/invariants.ts";
import type { FaultRuleInput } from "../../stack/faults.ts";
import type { Counters } from "../../stack/providers/standin_server.ts";
import {
  accounts,
  endpoints,
  faults,
  type JobAttempt,
  overrideConfig,
  sample,
  standIn,
  waitFor,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** discharge-summary.pdf: 3 pages with a text layer; 3 x (pass 1 + pass 2) + narrative. */
const DISCHARGE_SUMMARY = { name: "discharge-summary.pdf", mimeType: "application/pdf", items: 15 };
const AI_REQUESTS = 7;
/** scanned-referral.png: 1 page of pixels, so one OCR call, then 3 AI requests. */
const SCANNED_REFERRAL = { name: "scanned-referral.png", mimeType: "image/png", items: 4 };
const STAND_INS: StandInName[] = ["openai", "vision"];
/** The AI passes' timeout in the test instance (scripts/test.sh). */
const AI_TIMEOUT_MS = Number(Deno.env.get("AI_TIMEOUT_MS") ?? "2000");
/** outcomes.ts RATE_LIMITED_DELAY_SECONDS: a 429 that does not say how long to wait. */
const DEFAULT_429_DELAY_SECONDS = 30;
/** fail_shell_file_job's message for any code outside its catalogue (provider failures). */
const GENERIC_FAILURE =
  "The document could not be processed. Try again later, or contact support if it keeps failing.";

interface CaseContext {
  sql: postgres.Sql;
  owner: Account;
  shellFileId: string;
  jobId: string;
}

interface ProviderCase {
  document?: typeof DISCHARGE_SUMMARY;
  knobs?: Partial<Record<StandInName, Record<string, unknown>>>;
  rule?: FaultRuleInput;
  outcome: "completed" | "dead_lettered";
  /** The stand-ins' counters at the end, exactly (only the fields named). */
  counters: Partial<Record<StandInName, Partial<Counters>>>;
  /** Runs the document to its end; by default the cron jobs every second until it finished. */
  drive?: (ctx: CaseContext) => Promise<void>;
  /** What this fault must have done, read from the database. */
  check: (ctx: CaseContext) => Promise<void>;
}

const untilFinished = async ({ sql, shellFileId }: CaseContext) => {
  await waitUntilFinished(sql, [shellFileId], 90_000, { kickEveryMs: 1000 });
};

interface JobRow {
  status: string;
  retry_count: number;
  max_retries: number;
  dead_letter_at: Date | null;
  dead_letter_reason: string | null;
  attempts: JobAttempt[];
  progress: Record<string, unknown>;
}

async function job(sql: postgres.Sql, jobId: string): Promise<JobRow> {
  const [row] = await sql<JobRow[]>`
    select status, retry_count, max_retries, dead_letter_at,
           error_details ->> 'dead_letter_reason' as dead_letter_reason,
           coalesce(error_details -> 'attempts', '[]'::jsonb) as attempts,
           coalesce(job_result, '{}'::jsonb) as progress
      from public.job_queue where id = ${jobId}`;
  return row;
}

/** Result rows of a document by table (what a half-written step would leave). */
async function results(sql: postgres.Sql, shellFileId: string) {
  const [row] = await sql`
    select (select count(*)::int from public.shell_file_pages where shell_file_id = ${shellFileId}) as texts,
           (select count(*)::int from public.page_entity_detections where shell_file_id = ${shellFileId}) as entities,
           (select count(*)::int from public.clinical_extractions where shell_file_id = ${shellFileId}) as items,
           (select count(*)::int from public.clinical_narratives where shell_file_id = ${shellFileId}) as narratives`;
  return row;
}

function pick<T extends object>(value: T, keys: (keyof T)[]): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, value[k]])) as Partial<T>;
}

function providerCase(c: ProviderCase) {
  return () =>
    withSql(async (sql) => {
      const users = accounts(sql);
      const overrides = [
        await overrideConfig(sql, "queue.retry_base_delay_seconds", 1),
        await overrideConfig(sql, "worker.reclaim_jitter_max_seconds", 0),
      ];
      try {
        const document = c.document ?? DISCHARGE_SUMMARY;
        await faults.clear();
        for (const name of STAND_INS) await standIn.reset(name);
        const owner = await users.create("provider");
        const submission = await submitDocument(endpoints, owner, {
          name: document.name,
          bytes: await sample(document.name),
          mimeType: document.mimeType,
        });
        assertEquals(submission.status, 201, JSON.stringify(submission.body));
        const ctx: CaseContext = {
          sql,
          owner,
          shellFileId: submission.body.shell_file_id!,
          jobId: submission.body.job_id!,
        };
        if (c.rule) await faults.add(c.rule);
        for (const [name, knobs] of Object.entries(c.knobs ?? {})) {
          await standIn.setKnobs(name as StandInName, knobs);
        }

        await cronTick(sql);
        await (c.drive ?? untilFinished)(ctx);

        for (const [name, expected] of Object.entries(c.counters)) {
          const counters = await standIn.counters(name as StandInName);
          assertEquals(pick(counters, Object.keys(expected) as (keyof Counters)[]), expected, `${name} stand-in counters`);
        }
        const report = await checkInvariants(sql, [{
          shellFileId: ctx.shellFileId,
          outcome: c.outcome === "completed" ? { completed: { items: document.items } } : "dead_lettered",
        }]);
        assertEquals(report.violations, []);
        assertEquals(
          [report.completed, report.dead_lettered, report.lost, report.duplicates, report.leaked_slots],
          c.outcome === "completed" ? [1, 0, 0, 0, 0] : [0, 1, 0, 0, 0],
        );
        assertEquals(await slotAccounting(sql), [], "every rate-limit row counts exactly its live leases");
        await c.check(ctx);
      } finally {
        await faults.clear();
        for (const name of STAND_INS) await standIn.reset(name);
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    });
}

Deno.test(
  "429 with Retry-After: rescheduled without a retry counted, and not called again before Retry-After",
  opts,
  providerCase({
    knobs: { openai: { fail429: 1, retryAfterSeconds: 3 } },
    outcome: "completed",
    counters: { openai: { requests: AI_REQUESTS + 1, rateLimited: 1, serverErrors: 0 } },
    check: async ({ sql, shellFileId, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 0, "a 429 is not a failed attempt");
      assertEquals(
        attempts.map((a) => [a.event, a.reason, Number(a.delay_seconds)]),
        [["rescheduled", "rate limited by openai", 3]],
        "rescheduled once, for the Retry-After the provider sent",
      );
      const jitter = Number(attempts[0].jitter_seconds);
      assert(jitter >= 0 && jitter <= 1.5, `jitter ${jitter} within [0, delay / 2]`);
      // Pass 1 of page 1 got the 429; its result was written by the call made after the wait
      // (the database's clock on both sides, so the bound is exact).
      const [entities] = await sql`
        select extract(epoch from d.created_at - ${attempts[0].at}::timestamptz)::float8 as seconds_after_429
          from public.page_entity_detections d where d.shell_file_id = ${shellFileId} and d.page_number = 1`;
      assertGreaterOrEqual(entities.seconds_after_429, 3 + jitter, "the call was repeated only once Retry-After had passed");
    },
  }),
);

Deno.test(
  "429 without Retry-After: rescheduled with the default delay, nothing sent before it is due",
  opts,
  providerCase({
    knobs: { openai: { fail429: 1 } },
    outcome: "completed",
    counters: { openai: { requests: AI_REQUESTS + 1, rateLimited: 1, serverErrors: 0 } },
    drive: async (ctx) => {
      const { sql, jobId } = ctx;
      const [due] = await waitFor("the job rescheduled", async () => {
        const rows = await sql`
          select status, extract(epoch from scheduled_at - (error_details -> 'attempts' -> -1 ->> 'at')::timestamptz)::float8 as delay
            from public.job_queue where id = ${jobId} and status = 'pending' and error_details -> 'attempts' -> -1 ->> 'event' = 'rescheduled'`;
        return rows.length ? rows : undefined;
      }, 30_000);
      assertGreaterOrEqual(due.delay, DEFAULT_429_DELAY_SECONDS);
      assertLessOrEqual(due.delay, DEFAULT_429_DELAY_SECONDS * 1.5, "jitter at most half the delay");
      // Ticks while it is not due: nobody claims it, the provider hears nothing.
      for (let i = 0; i < 3; i++) {
        await cronTick(sql);
        await new Promise((r) => setTimeout(r, 1000));
      }
      assertEquals((await standIn.counters("openai")).requests, 1, "no request before the delay");
      assertEquals((await job(sql, jobId)).status, "pending");
      // The delay itself is the database's arithmetic (asserted above); rather than wait 30 s
      // or more, the job is made due now, as if the time had passed.
      await sql`update public.job_queue set scheduled_at = now() where id = ${jobId}`;
      await untilFinished(ctx);
    },
    check: async ({ sql, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 0);
      assertEquals(
        attempts.map((a) => [a.event, a.reason, Number(a.delay_seconds)]),
        [["rescheduled", "rate limited by openai", DEFAULT_429_DELAY_SECONDS]],
      );
    },
  }),
);

Deno.test(
  "OCR answering 500 twice: the page's text step is retried with backoff and the document completes",
  opts,
  providerCase({
    document: SCANNED_REFERRAL,
    knobs: { vision: { fail500: 2 } },
    outcome: "completed",
    counters: {
      vision: { requests: 3, serverErrors: 2, rateLimited: 0 },
      openai: { requests: 3, serverErrors: 0 },
    },
    check: async ({ sql, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 2);
      assertEquals(
        attempts.map((a) => [a.event, a.outcome, a.error?.code, a.error?.step, a.error?.page, a.error?.provider, a.error?.status]),
        [1, 2].map(() => ["failed", "retrying", "provider_unavailable", "text", 1, "google_vision", 500]),
      );
    },
  }),
);

Deno.test(
  "AI answering 500 once after every page was recorded: the retry resumes at the narrative, nothing before it repeated",
  opts,
  providerCase({
    // Pass 2 of page 3 is recorded late (held 2 s), so the 500 can be armed for the next AI
    // request, which is the narrative's.
    rule: {
      path: "^/rest/v1/rpc/record_page_extractions$",
      bodyIncludes: '"p_page_number":3',
      at: "before",
      action: "delay",
      holdMs: 2000,
    },
    outcome: "completed",
    counters: { openai: { requests: AI_REQUESTS + 1, serverErrors: 1, rateLimited: 0 } },
    drive: async (ctx) => {
      await waitFor("pass 2 of page 3 held", async () => (await faults.list())[0]?.hits === 1 || undefined, 60_000, {
        intervalMs: 100,
      });
      await standIn.setKnobs("openai", { fail500: 1 });
      await untilFinished(ctx);
    },
    check: async ({ sql, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 1);
      assertEquals(
        attempts.filter((a) => a.event === "failed").map((a) => [a.outcome, a.error?.code, a.error?.step, a.error?.status]),
        [["retrying", "provider_unavailable", "narrative", 500]],
      );
    },
  }),
);

Deno.test(
  `AI call with no answer within AI_TIMEOUT_MS: a transient failure, retried, completes`,
  opts,
  providerCase({
    // The stand-in holds the request well past the worker's timeout (and still counts it).
    knobs: { openai: { hang: 1, hangMs: AI_TIMEOUT_MS + 3000 } },
    outcome: "completed",
    counters: { openai: { requests: AI_REQUESTS + 1, hung: 1, serverErrors: 0 } },
    check: async ({ sql, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 1);
      assertEquals(
        attempts.map((a) => [a.event, a.outcome, a.error?.code, a.error?.message, a.error?.step, a.error?.page]),
        [["failed", "retrying", "provider_unavailable", `openai: no answer within ${AI_TIMEOUT_MS} ms`, "pass1", 1]],
      );
    },
  }),
);

/**
 * A 200 whose content fails validation (not JSON, or not the agreed shape) once: a transient
 * failure since d1861a8 (a model rarely repeats a malformed answer), so the step is retried
 * and nothing of it was written in between.
 */
function malformedOnceCase(mode: "invalid_json" | "schema", message: RegExp) {
  return providerCase({
    knobs: { openai: { malformed: 1, malformedMode: mode } },
    outcome: "completed",
    counters: { openai: { requests: AI_REQUESTS + 1, malformed: 1, serverErrors: 0 } },
    drive: async (ctx) => {
      // While it waits for its retry (pending, nobody holds it): nothing half-written. The
      // inspection and the three pages' text (steps before the fault, each audited) are
      // there; pass 1 of page 1 left no row and no progress.
      const waiting = await waitFor("the failed attempt recorded", async () => {
        const [row] = await ctx.sql`
          select q.status, coalesce(q.job_result, '{}'::jsonb) as progress,
                 (select count(*)::int from public.shell_file_pages where shell_file_id = q.shell_file_id) as texts,
                 (select count(*)::int from public.page_entity_detections where shell_file_id = q.shell_file_id) as entities,
                 (select count(*)::int from public.clinical_extractions where shell_file_id = q.shell_file_id) as items,
                 (select count(*)::int from public.clinical_narratives where shell_file_id = q.shell_file_id) as narratives
            from public.job_queue q
           where q.id = ${ctx.jobId} and q.retry_count = 1`;
        return row;
      }, 30_000, { intervalMs: 100 });
      assertEquals(
        [waiting.status, waiting.texts, waiting.entities, waiting.items, waiting.narratives],
        ["pending", 3, 0, 0, 0],
      );
      assertEquals(pick(waiting.progress, ["page_count", "text_done", "pass1_done"]), {
        page_count: 3,
        text_done: 3,
        pass1_done: 0,
      });
      await untilFinished(ctx);
    },
    check: async ({ sql, jobId }) => {
      const { retry_count, attempts } = await job(sql, jobId);
      assertEquals(retry_count, 1);
      assertEquals(attempts.length, 1);
      const [event] = attempts;
      assertEquals(
        [event.event, event.outcome, event.retryable, event.error?.code, event.error?.step, event.error?.page],
        ["failed", "retrying", true, "provider_unavailable", "pass1", 1],
      );
      assert(message.test(event.error?.message ?? ""), `error message ${event.error?.message}`);
    },
  });
}

Deno.test(
  "AI answer that is not JSON: retried, nothing half-written meanwhile, completes",
  opts,
  malformedOnceCase("invalid_json", /^openai: invalid answer: entities: not JSON/),
);

Deno.test(
  "AI answer in the wrong shape: retried, nothing half-written meanwhile, completes",
  opts,
  malformedOnceCase("schema", /^openai: invalid answer: entities: entities: /),
);

Deno.test(
  "AI answers that always fail validation: dead-lettered after max_retries, the user told, nothing half-written",
  opts,
  providerCase({
    knobs: { openai: { malformed: 1000, malformedMode: "schema" } },
    outcome: "dead_lettered",
    counters: { openai: { requests: 4, malformed: 4, serverErrors: 0 } },
    check: async ({ sql, owner, shellFileId, jobId }) => {
      const row = await job(sql, jobId);
      assertEquals([row.status, row.retry_count, row.dead_letter_reason], ["failed", 4, "max_retries_exhausted"]);
      assertEquals(
        row.attempts.map((a) => [a.outcome, a.error?.code, a.error?.step]),
        ["retrying", "retrying", "retrying", "dead_lettered"].map((o) => [o, "provider_unavailable", "pass1"]),
      );
      assertEquals(await results(sql, shellFileId), { texts: 3, entities: 0, items: 0, narratives: 0 });
      const status = await processingStatus(owner, shellFileId);
      assertEquals([status.status, status.text_done, status.pass1_done, status.error], [
        "failed",
        3,
        0,
        { code: "provider_unavailable", message: GENERIC_FAILURE },
      ]);
    },
  }),
);

Deno.test(
  "a provider that never recovers: retried max_retries times, dead-lettered with a readable reason, no slot held",
  opts,
  providerCase({
    knobs: { openai: { fail500: 1000 } },
    outcome: "dead_lettered",
    // One request per attempt: 1 + max_retries (3).
    counters: { openai: { requests: 4, serverErrors: 4 } },
    check: async ({ sql, owner, shellFileId, jobId }) => {
      const row = await job(sql, jobId);
      assertEquals(
        [row.status, row.retry_count, row.max_retries, row.dead_letter_reason],
        ["failed", 4, 3, "max_retries_exhausted"],
      );
      assert(row.dead_letter_at !== null);
      assertEquals(
        row.attempts.map((a) => [a.event, a.outcome, a.retry_count, a.error?.code, a.error?.step, a.error?.status]),
        [
          ["failed", "retrying", 1, "provider_unavailable", "pass1", 500],
          ["failed", "retrying", 2, "provider_unavailable", "pass1", 500],
          ["failed", "retrying", 3, "provider_unavailable", "pass1", 500],
          ["failed", "dead_lettered", 4, "provider_unavailable", "pass1", 500],
        ],
      );
      // What the user sees, asked as the user.
      const status = await processingStatus(owner, shellFileId);
      assertEquals([status.status, status.error], ["failed", { code: "provider_unavailable", message: GENERIC_FAILURE }]);
      // The slots: none held for the job, and the AI endpoint's row back to what its leases say.
      const [slots] = await sql`
        select (select count(*)::int from public.api_capacity_leases where job_id = ${jobId}) as leases`;
      assertEquals(slots.leases, 0);
      assertEquals(await results(sql, shellFileId), { texts: 3, entities: 0, items: 0, narratives: 0 });
    },
  }),
);
