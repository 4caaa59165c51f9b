// The worker killed by the wall-clock limit in the middle of a step, at each point where the
// outside world can tell the difference: the gateway holds one of the worker's own requests
// (stack/faults.ts) and the runtime's wall clock (6 s in the test instance, scripts/test.sh)
// shuts the invocation down while it waits. Each case then lets the cron jobs run every 2 s
// (sweeper, capacity reclaim, dispatcher; hosted pg_cron can schedule in seconds) with a lease
// of 8 s, and asserts the invariants of scripts/lib/invariants.ts: the document completed with
// every result exactly once and audited, no job processing past its lease, no slot held; and
// that recovery went through the sweeper (one lease_expired event) and repeated exactly the
// provider calls whose results had not been recorded (the stand-in's request count).

import { assert, assertEquals } from "@std/assert";
import type postgres from "postgres";
import type { StandInName } from "../../scripts/lib/control.ts";
import { submitDocument } from "../../scripts/lib/documents.ts";
import { cronTick } from "../../scripts/lib/cron.ts";
import { checkInvariants } from "../../scripts/lib/invariants.ts";
import type { FaultRuleInput } from "../../stack/faults.ts";
import { logFile } from "../../stack/processes.ts";
import {
  accounts,
  endpoints,
  faults,
  type JobAttempt,
  overrideConfig,
  sample,
  stack,
  standIn,
  waitFor,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
/** discharge-summary.pdf: 3 pages with a text layer; 3 x (pass 1 + pass 2) + narrative. */
const DISCHARGE_SUMMARY = { name: "discharge-summary.pdf", mimeType: "application/pdf", items: 15 };
const AI_REQUESTS = 7;
/** scanned-referral.png: 1 page of pixels, so one OCR call (samples/README.md). */
const SCANNED_REFERRAL = { name: "scanned-referral.png", mimeType: "image/png", items: 4 };
const LEASE_SECONDS = 8;

/** How many times the runtime has shut a job-worker invocation down for its wall clock. */
async function wallClockKills(): Promise<number> {
  const log = await Deno.readTextFile(logFile(stack.config.logDir, "gateway")).catch(() => "");
  return log.split("\n").filter((line) => line.startsWith("[job-worker] wall clock limit")).length;
}

async function attempts(sql: postgres.Sql, shellFileId: string): Promise<JobAttempt[]> {
  const [row] = await sql<{ attempts: JobAttempt[] | null }[]>`
    select q.error_details -> 'attempts' as attempts
      from public.job_queue q join public.shell_files f on f.processing_job_id = q.id
     where f.id = ${shellFileId}`;
  return row?.attempts ?? [];
}

interface KillCase {
  document?: typeof DISCHARGE_SUMMARY;
  /** The fault: a held request (a gateway rule) or a provider that never answers (knobs). */
  rule?: FaultRuleInput;
  knobs?: { standIn: StandInName; knobs: Record<string, unknown> };
  /** Requests a stand-in sees in all: those of one run, plus the one repeated when its result was lost. */
  requests: Partial<Record<StandInName, number>>;
}

/** One document through a kill at `fault`, recovered by the sweeper alone. */
function killCase(fault: KillCase) {
  return () =>
    withSql(async (sql) => {
      const users = accounts(sql);
      const overrides = [
        await overrideConfig(sql, "worker.timeout_seconds", LEASE_SECONDS),
        await overrideConfig(sql, "worker.reclaim_jitter_max_seconds", 0),
        await overrideConfig(sql, "rate_limit.capacity_lease_seconds", LEASE_SECONDS),
      ];
      try {
        const document = fault.document ?? DISCHARGE_SUMMARY;
        await faults.clear();
        for (const name of STAND_INS) await standIn.reset(name);
        const owner = await users.create("kill");
        const submission = await submitDocument(endpoints, owner, {
          name: document.name,
          bytes: await sample(document.name),
          mimeType: document.mimeType,
        });
        assertEquals(submission.status, 201, JSON.stringify(submission.body));
        const id = submission.body.shell_file_id!;
        const killsBefore = await wallClockKills();
        if (fault.rule) await faults.add(fault.rule);
        if (fault.knobs) await standIn.setKnobs(fault.knobs.standIn, fault.knobs.knobs);

        await cronTick(sql);
        await waitUntilFinished(sql, [id], 90_000, { kickEveryMs: 2000 });
        // A slot taken by the killed worker is freed when its capacity lease expires.
        await waitFor("capacity slots freed", async () => {
          await cronTick(sql);
          const [{ n }] = await sql`
            select count(*)::int as n from public.api_capacity_leases l
              join public.shell_files f on f.processing_job_id = l.job_id where f.id = ${id}`;
          return n === 0 ? true : undefined;
        }, 30_000, { intervalMs: 1000 });

        if (fault.rule) assertEquals((await faults.list()).map((r) => r.hits), [1], "the fault was hit once");
        assert(await wallClockKills() > killsBefore, "the runtime's wall clock shut the worker down");
        const events = await attempts(sql, id);
        assertEquals(events.filter((e) => (e.event as string) === "lease_expired").length, 1, JSON.stringify(events));
        for (const [name, requests] of Object.entries(fault.requests)) {
          assertEquals((await standIn.counters(name as StandInName)).requests, requests, `${name} requests`);
        }
        const report = await checkInvariants(sql, [{ shellFileId: id, outcome: { completed: { items: document.items } } }]);
        assertEquals(report.violations, []);
        assertEquals([report.completed, report.lost, report.duplicates, report.leaked_slots], [1, 0, 0, 0]);
      } finally {
        await faults.clear();
        for (const name of STAND_INS) await standIn.reset(name);
        for (const o of overrides) await o.restore();
        await users.cleanup();
      }
    });
}

const STAND_INS: StandInName[] = ["openai", "vision"];

const held = (rpc: string, at: "before" | "after"): FaultRuleInput => ({
  path: `^/rest/v1/rpc/${rpc}$`,
  at,
  action: "hang",
});

Deno.test(
  "killed before its first checkpoint (inspect never recorded): the next worker starts over",
  opts,
  killCase({ rule: held("record_document_inspection", "before"), requests: { openai: AI_REQUESTS } }),
);

Deno.test(
  "killed before the provider call, holding a capacity slot: the slot is reclaimed",
  opts,
  killCase({ rule: held("acquire_api_capacity", "after"), requests: { openai: AI_REQUESTS } }),
);

Deno.test(
  "killed during the provider call (OCR that never answers): the call is made again",
  opts,
  // OCR's timeout (30 s) outlasts the wall clock; the AI passes' is 2 s in the test instance.
  killCase({
    document: SCANNED_REFERRAL,
    knobs: { standIn: "vision", knobs: { hang: 1, hangMs: 20_000 } },
    requests: { vision: 2, openai: 3 },
  }),
);

Deno.test(
  "killed after the provider call, before its checkpoint: the call is made again, its result recorded once",
  opts,
  killCase({ rule: held("record_page_entities", "before"), requests: { openai: AI_REQUESTS + 1 } }),
);

Deno.test(
  "killed after the checkpoint, before the answer: nothing is repeated",
  opts,
  killCase({ rule: held("record_page_extractions", "after"), requests: { openai: AI_REQUESTS } }),
);
