// The soak (`npm run soak`): many documents of several pages through the whole pipeline on a
// fresh local stack instance, with workers killed at every point of a step and provider
// faults injected at random (scripts/lib/fault_plan.ts, seeded), then the invariants of
// scripts/lib/invariants.ts checked from the database. Prints the counts and exits non-zero
// on any loss, duplicate or broken invariant.
//
//   npm run soak                         200 documents (the default), a random seed
//   npm run soak -- --documents 500 --seed 42
//   npm run soak -- --quick              12 documents: the short version CI runs
//   npm run soak -- --recovery           one kill at default settings (150 s wall clock,
//                                        180 s lease, the minute cron): time to recover
//
// The instance is STACK_INSTANCE (default "soak") on STACK_PORT_BASE (default 25621), reset
// at the start and stopped at the end (--keep leaves it running to look around). Its worker
// has a 10 s wall clock and a 6 s budget, so kills cost seconds; the lease is 12 s and the
// cron jobs run every 2 s (hosted pg_cron can schedule in seconds).

import postgres from "postgres";
import { type Account, createAccount, type Endpoints, FINISHED, submitDocument } from "./lib/documents.ts";
import { cronTick } from "./lib/cron.ts";
import { faultRules, standIns } from "./lib/control.ts";
import { faultPlan, seededRandom } from "./lib/fault_plan.ts";
import { type Expectation, checkInvariants, invariantsHold } from "./lib/invariants.ts";
import { type Instance, stackCommand, startInstance } from "./lib/instance.ts";

interface SoakArgs {
  documents: number;
  seed: number;
  recovery: boolean;
  keep: boolean;
}

function parseArgs(args: string[]): SoakArgs {
  const out: SoakArgs = { documents: 200, seed: Math.floor(Math.random() * 2 ** 31), recovery: false, keep: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = () => {
      const n = Number(args[++i]);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${arg} needs a positive whole number`);
      return n;
    };
    if (arg === "--quick") out.documents = 12;
    else if (arg === "--documents") out.documents = value();
    else if (arg === "--seed") out.seed = value();
    else if (arg === "--recovery") out.recovery = true;
    else if (arg === "--keep") out.keep = true;
    else throw new Error(`unknown argument "${arg}" (--documents N, --seed S, --quick, --recovery, --keep)`);
  }
  return out;
}

const AI_TIMEOUT_MS = 2000;
/**
 * A worker killed in seconds rather than 150 s, with room for a real OCR step (tesseract
 * behind the Vision stand-in) on a busy 2-core machine.
 */
const FAST_WORKER_ENV = {
  STACK_WALL_CLOCK_MS__JOB_WORKER: "10000",
  WORKER_BUDGET_MS: "6000",
  WORKER_SAFETY_MARGIN_MS: "2500",
  AI_TIMEOUT_MS: String(AI_TIMEOUT_MS),
};
const TICK_MS = 2000;
const PROVIDER_FAULT_EVERY_MS = 3000;

/** The mix: mostly 3-page PDFs with a text layer, some scans (OCR), some that cannot succeed. */
const KINDS = [
  { name: "discharge-summary.pdf", mimeType: "application/pdf", share: 0.9, outcome: { completed: { items: 15 } } },
  { name: "scanned-referral.png", mimeType: "image/png", share: 0.05, outcome: { completed: { items: 4 } } },
  { name: "password-protected.pdf", mimeType: "application/pdf", share: 0.05, outcome: "dead_lettered" },
] as const;

const log = (line: string) => console.log(`[soak] ${line}`);

function instanceEnv(extra: Record<string, string>): Record<string, string> {
  const env = Deno.env.toObject();
  return {
    ...env,
    STACK_INSTANCE: env.STACK_INSTANCE ?? "soak",
    STACK_PORT_BASE: env.STACK_PORT_BASE ?? "25621",
    ...extra,
  };
}

async function setConfig(sql: postgres.Sql, values: Record<string, number>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    const rows = await sql`update public.system_configuration set config_value = ${sql.json(value)}
                            where config_key = ${key} returning 1`;
    if (rows.length !== 1) throw new Error(`system_configuration has no ${key}`);
  }
}

/** Runs `fn` over `items` with at most `limit` at once. */
async function pooled<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  }));
  return results;
}

async function submitAll(
  sql: postgres.Sql,
  endpoints: Endpoints,
  documents: number,
  random: () => number,
): Promise<Expectation[]> {
  const bytes = new Map<string, Uint8Array>();
  for (const kind of KINDS) bytes.set(kind.name, await Deno.readFile(new URL(`../samples/${kind.name}`, import.meta.url)));
  // At least one of each kind, the rest by share.
  const picks = KINDS.map((k) => k as typeof KINDS[number]);
  while (picks.length < documents) {
    let r = random();
    picks.push(KINDS.find((k) => (r -= k.share) < 0) ?? KINDS[0]);
  }
  const owners: Account[] = [];
  for (let i = 0; i < Math.ceil(documents / 20); i++) owners.push(await createAccount(sql, endpoints, `soak-${i}`));
  return await pooled(picks, 8, async (kind, i) => {
    const owner = owners[i % owners.length];
    const submission = await submitDocument(endpoints, owner, {
      name: `${String(i).padStart(4, "0")}-${kind.name}`,
      bytes: bytes.get(kind.name)!,
      mimeType: kind.mimeType,
    });
    if (submission.status !== 201) {
      throw new Error(`intake of document ${i} answered ${submission.status}: ${JSON.stringify(submission.body)}`);
    }
    return { shellFileId: submission.body.shell_file_id!, outcome: kind.outcome } as Expectation;
  });
}

async function unfinished(sql: postgres.Sql, ids: string[]): Promise<Record<string, number>> {
  const rows = await sql<{ status: string; n: number }[]>`
    select status, count(*)::int as n from public.shell_files where id = any(${ids}::uuid[]) group by status`;
  return Object.fromEntries(rows.filter((r) => !FINISHED.has(r.status)).map((r) => [r.status, r.n]));
}

async function soak(args: SoakArgs): Promise<boolean> {
  const random = seededRandom(args.seed);
  const env = instanceEnv(FAST_WORKER_ENV);
  log(`instance ${env.STACK_INSTANCE} (fresh), ${args.documents} documents, seed ${args.seed}`);
  const instance = await startInstance(env, { fresh: true });
  const sql = postgres(instance.dbUrl, { max: 8, onnotice: () => {} });
  try {
    await setConfig(sql, {
      "worker.timeout_seconds": 12,
      "worker.reclaim_jitter_max_seconds": 2,
      "rate_limit.capacity_lease_seconds": 12,
      "queue.retry_base_delay_seconds": 1,
      "queue.retry_max_delay_seconds": 5,
      // Far more faults than a real day: room so that no document runs out of attempts.
      "queue.default_max_retries": 10,
    });
    // The limiter is tested elsewhere; here it should not be what the soak waits for.
    await sql`update public.api_rate_limits set requests_per_minute = 5000, tokens_per_minute = 5000000
               where provider_name = 'openai' and api_endpoint = 'gpt-4o-mini'`;
    const standIn = standIns(instance.config.ports);
    const faults = faultRules(instance.url, instance.serviceRoleKey);
    await standIn.setKnobs("openai", { latencyMs: 20 });

    const plan = faultPlan({ documents: args.documents, random, aiTimeoutMs: AI_TIMEOUT_MS });
    const expectations = await submitAll(sql, endpointsOf(instance), args.documents, random);
    const ids = expectations.map((e) => e.shellFileId);
    await faults.add(plan.kills.map(({ label: _label, ...rule }) => rule));
    log(`submitted ${ids.length}; kill rules: ${plan.kills.length} points x ${plan.kills[0].times}; provider faults: ${plan.providerFaults.length}`);

    const started = Date.now();
    const deadline = started + Math.max(300_000, args.documents * 6_000);
    let lastTick = 0;
    let lastFault = Date.now();
    let lastReport = Date.now();
    const providerFaults = [...plan.providerFaults];
    const applied: string[] = [];
    while (true) {
      const open = await unfinished(sql, ids);
      if (Object.keys(open).length === 0) break;
      if (Date.now() > deadline) {
        log(`deadline passed with ${JSON.stringify(open)} unfinished`);
        break;
      }
      if (Date.now() - lastTick >= TICK_MS) {
        lastTick = Date.now();
        await cronTick(sql);
      }
      if (providerFaults.length > 0 && Date.now() - lastFault >= PROVIDER_FAULT_EVERY_MS) {
        lastFault = Date.now();
        const fault = providerFaults.shift()!;
        await standIn.setKnobs(fault.standIn, fault.knobs);
        applied.push(fault.label);
      }
      if (Date.now() - lastReport >= 10_000) {
        lastReport = Date.now();
        log(`${Math.round((Date.now() - started) / 1000)} s: unfinished ${JSON.stringify(open)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const seconds = (Date.now() - started) / 1000;

    // Faults off; a slot held by a killed worker is freed when its capacity lease expires.
    const hits = await faults.list();
    await faults.clear();
    const counters = { openai: await standIn.counters("openai"), vision: await standIn.counters("vision") };
    for (let i = 0; i < 15; i++) {
      const [{ n }] = await sql`select count(*)::int as n from public.api_capacity_leases`;
      if (n === 0) break;
      await cronTick(sql);
      await new Promise((r) => setTimeout(r, TICK_MS));
    }

    const report = await checkInvariants(sql, expectations);
    const [jobs] = await sql<{ lease_expired: number; failed_attempts: number; rescheduled: number; max_retry: number }[]>`
      select count(*) filter (where a ->> 'event' = 'lease_expired')::int as lease_expired,
             count(*) filter (where a ->> 'event' = 'failed')::int as failed_attempts,
             count(*) filter (where a ->> 'event' = 'rescheduled')::int as rescheduled,
             (select coalesce(max(retry_count), 0) from public.job_queue q join public.shell_files f
               on f.processing_job_id = q.id where f.id = any(${ids}::uuid[]))::int as max_retry
        from public.job_queue q join public.shell_files f on f.processing_job_id = q.id,
             jsonb_array_elements(coalesce(q.error_details -> 'attempts', '[]')) a
       where f.id = any(${ids}::uuid[])`;
    const killed = hits.reduce((n, r) => n + r.hits, 0);
    const summary = {
      seed: args.seed,
      seconds: Math.round(seconds),
      documents: report.documents,
      pages: report.pages,
      items: report.items,
      completed: report.completed,
      dead_lettered: report.dead_lettered,
      unfinished: report.unfinished,
      lost: report.lost,
      duplicates: report.duplicates,
      jobs_past_lease: report.jobs_past_lease,
      leaked_slots: report.leaked_slots,
      dead_letters_without_reason: report.dead_letters_without_reason,
      clinical_writes: report.clinical_writes,
      unaudited_writes: report.unaudited_writes,
      injected: {
        kills_and_lost_chains: killed,
        by_point: Object.fromEntries(plan.kills.map((k, i) => [k.label, hits[i]?.hits ?? 0])),
        provider_faults_applied: applied.length,
        provider_answers: {
          "429": counters.openai.rateLimited,
          "500": counters.openai.serverErrors + counters.vision.serverErrors,
          hung: counters.openai.hung + counters.vision.hung,
          malformed: counters.openai.malformed + counters.vision.malformed,
        },
      },
      recovery: {
        lease_expired_events: jobs.lease_expired,
        failed_attempts: jobs.failed_attempts,
        rescheduled: jobs.rescheduled,
        max_retry_count: jobs.max_retry,
      },
      violations: report.violations.slice(0, 20),
    };
    console.log(JSON.stringify(summary, null, 2));
    await Deno.writeTextFile(`${instance.config.dir}/last-soak.json`, JSON.stringify(summary, null, 2) + "\n");
    const ok = invariantsHold(report) && report.lost === 0 && report.duplicates === 0;
    log(ok
      ? `passed: ${report.documents} documents, ${report.pages} pages, ${killed} kills, ${applied.length} provider faults; lost 0, duplicates 0 (${Math.round(seconds)} s)`
      : `FAILED: lost ${report.lost}, duplicates ${report.duplicates}, ${report.violations.length} violation(s); replay with --seed ${args.seed}`);
    return ok;
  } finally {
    await sql.end();
    if (!args.keep) await stackCommand("stop", env);
  }
}

function endpointsOf(instance: Instance): Endpoints {
  return { url: instance.url, anonKey: instance.anonKey, jwtSecret: instance.jwtSecret };
}

/**
 * One worker killed after its provider call, before the checkpoint, at default settings (the
 * hosted 150 s wall clock, the 180 s lease, the sweeper and dispatcher on the minute cron):
 * how long from the moment the worker stopped until the step is recorded by the next one.
 */
async function recovery(args: SoakArgs): Promise<boolean> {
  const env = instanceEnv({});
  for (const key of Object.keys(FAST_WORKER_ENV)) delete env[key];
  log(`recovery at default settings on instance ${env.STACK_INSTANCE} (fresh); this takes about 5 minutes`);
  const instance = await startInstance(env, { fresh: true });
  const sql = postgres(instance.dbUrl, { max: 2, onnotice: () => {} });
  try {
    const faults = faultRules(instance.url, instance.serviceRoleKey);
    const owner = await createAccount(sql, endpointsOf(instance), "recovery");
    const submission = await submitDocument(endpointsOf(instance), owner, {
      name: "discharge-summary.pdf",
      bytes: await Deno.readFile(new URL("../samples/discharge-summary.pdf", import.meta.url)),
      mimeType: "application/pdf",
    });
    const id = submission.body.shell_file_id!;
    await faults.add({ path: "^/rest/v1/rpc/record_page_entities$", at: "before", action: "hang" });
    log("waiting for the first pg_cron tick to start a worker, and for it to reach the held checkpoint");
    let stoppedAt = 0;
    while (stoppedAt === 0) {
      if ((await faults.list())[0].hits === 1) stoppedAt = Date.now();
      else await new Promise((r) => setTimeout(r, 200));
    }
    log("worker stopped mid-step (its request held); from here only the minute cron acts");
    const recordedAt = await pollUntil(sql, id, "select count(*)::int > 0 as ok from public.page_entity_detections where shell_file_id = $1");
    const completedAt = await pollUntil(sql, id, "select status = 'completed' as ok from public.shell_files where id = $1");
    const recoverySeconds = Math.round((recordedAt - stoppedAt) / 1000);
    const report = await checkInvariants(sql, [{ shellFileId: id, outcome: { completed: { items: 15 } } }]);
    console.log(JSON.stringify({
      settings: "defaults: wall clock 150 s, worker.timeout_seconds 180, reclaim jitter <= 10 s, cron every minute",
      recovery_seconds: recoverySeconds,
      completed_after_seconds: Math.round((completedAt - stoppedAt) / 1000),
      violations: report.violations,
    }, null, 2));
    return report.violations.length === 0;
  } finally {
    await sql.end();
    if (!args.keep) await stackCommand("stop", env);
  }
}

async function pollUntil(sql: postgres.Sql, id: string, query: string): Promise<number> {
  const deadline = Date.now() + 600_000;
  while (Date.now() < deadline) {
    const [row] = await sql.unsafe(query, [id]);
    if (row?.ok) return Date.now();
    await new Promise((r) => setTimeout(r, 1000));
  }
  throw new Error(`not within 10 minutes: ${query}`);
}

try {
  const args = parseArgs(Deno.args);
  const ok = args.recovery ? await recovery(args) : await soak(args);
  Deno.exit(ok ? 0 : 1);
} catch (error) {
  console.error(`soak: ${(error as Error).message}`);
  Deno.exit(2);
}
