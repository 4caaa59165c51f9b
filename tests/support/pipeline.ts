// What the pipeline's end-to-end tests share: the app-side helpers of scripts/lib/documents.ts
// pointed at the test instance, fresh accounts that are removed with everything they own, the
// provider stand-ins' control routes, settings changed for one test and put back, and polling
// with a deadline.

import type postgres from "postgres";
import {
  type Account,
  createAccount,
  type Endpoints,
  FINISHED,
  removeAccounts,
} from "../../scripts/lib/documents.ts";
import { cronTick } from "../../scripts/lib/cron.ts";
import { faultRules, standIns } from "../../scripts/lib/control.ts";
import { logFile } from "../../stack/processes.ts";
import { client, sqlAsPostgres, testStack } from "./stack.ts";

export const stack = testStack();
export const endpoints: Endpoints = { url: stack.url, anonKey: stack.anonKey, jwtSecret: stack.jwtSecret };

/** Runs `fn` with its own SQL connection (as postgres), closed afterwards. */
export async function withSql(fn: (sql: postgres.Sql) => Promise<void>): Promise<void> {
  const sql = sqlAsPostgres();
  try {
    await fn(sql);
  } finally {
    await sql.end();
  }
}

const samples = new Map<string, Uint8Array>();

/** A file from samples/, read once. */
export async function sample(name: string): Promise<Uint8Array> {
  if (!samples.has(name)) samples.set(name, await Deno.readFile(`${stack.config.root}/samples/${name}`));
  return samples.get(name)!;
}

/**
 * Fresh accounts for one test; `cleanup()` removes their uploads through Storage (the row and
 * the bytes) and then the users, which cascades to profiles, shell files, jobs, clinical rows
 * and usage. audit_log is append-only: its rows stay, tied to profiles that no longer exist.
 */
export function accounts(sql: postgres.Sql) {
  const made: Account[] = [];
  return {
    async create(label: string): Promise<Account> {
      const account = await createAccount(sql, endpoints, label);
      made.push(account);
      return account;
    },
    async cleanup(): Promise<void> {
      await removeAccounts(sql, client(stack.serviceRoleKey), made);
      made.length = 0;
    },
  };
}

/** Polls `check` until it returns a value other than undefined; fails naming `what` at the deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms: number,
  options: { intervalMs?: number; describe?: () => Promise<string> } = {},
): Promise<T> {
  const deadline = Date.now() + ms;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() >= deadline) {
      const state = options.describe ? `; ${await options.describe()}` : "";
      throw new Error(`${what}: not within ${ms / 1000} s${state}`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 250));
  }
}

export interface FileState {
  id: string;
  status: string;
  job_status: string | null;
  scheduled_in_s: number | null;
}

/** shell_files and job status of some documents, as the service sees them. */
export function fileStates(sql: postgres.Sql, ids: string[]): Promise<FileState[]> {
  return sql<FileState[]>`
    select f.id::text, f.status, q.status as job_status,
           round(extract(epoch from q.scheduled_at - now()))::int as scheduled_in_s
      from public.shell_files f left join public.job_queue q on q.id = f.processing_job_id
     where f.id = any(${ids}::uuid[])`;
}

export function summarize(states: FileState[]): string {
  const counts = new Map<string, number>();
  for (const s of states) {
    const key = `${s.status}/${s.job_status}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n} ${k}`).join(", ");
}

/**
 * Waits until every document is completed, failed or cancelled. With `kickEveryMs`, it runs
 * the cron jobs (sweeper, capacity reclaim, dispatcher) that often: a stand-in for pg_cron
 * schedules in seconds (hosted pg_cron has them; the local 1.4 ticks once a minute), so a job
 * that was rescheduled, is waiting out a retry backoff or lost its worker does not wait for
 * the next minute.
 */
export async function waitUntilFinished(
  sql: postgres.Sql,
  ids: string[],
  ms: number,
  options: { kickEveryMs?: number } = {},
): Promise<FileState[]> {
  let lastKick = Date.now();
  return await waitFor(`${ids.length} document(s) finished`, async () => {
    const states = await fileStates(sql, ids);
    if (states.length === ids.length && states.every((s) => FINISHED.has(s.status))) return states;
    if (options.kickEveryMs !== undefined && Date.now() - lastKick >= options.kickEveryMs) {
      lastKick = Date.now();
      await cronTick(sql);
    }
    return undefined;
  }, ms, { intervalMs: 300, describe: async () => summarize(await fileStates(sql, ids)) });
}

/** One event of job_queue.error_details.attempts (fail_job, reschedule_job). */
export interface JobAttempt {
  at: string;
  event: "failed" | "rescheduled";
  worker_id: string;
  outcome?: "retrying" | "dead_lettered";
  retryable?: boolean;
  retry_count?: number;
  delay_seconds: number | string;
  jitter_seconds: number | string;
  reason?: string;
  error?: { code: string; message: string; step: string; page?: number; provider?: string; status?: number };
}

/** A system_configuration value changed for one test; `restore()` puts the old one back. */
export async function overrideConfig(sql: postgres.Sql, key: string, value: unknown) {
  const [row] = await sql<{ config_value: unknown }[]>`
    select config_value from public.system_configuration where config_key = ${key}`;
  if (!row) throw new Error(`system_configuration has no ${key}`);
  await sql`update public.system_configuration set config_value = ${sql.json(value as postgres.JSONValue)}
             where config_key = ${key}`;
  return {
    restore: () =>
      sql`update public.system_configuration set config_value = ${sql.json(row.config_value as postgres.JSONValue)}
           where config_key = ${key}`.then(() => {}),
  };
}

// --- the control routes: provider stand-ins and the gateway's fault rules --------------------

export const standIn = standIns(stack.config.ports);
export const faults = faultRules(stack.url, stack.serviceRoleKey);

/**
 * The job-worker's own log entries that name `jobId` (its JSON lines in the gateway's log:
 * step, step_failed, invocation, ...), oldest first, for cases that must tell which worker
 * did what (e.g. a fenced write that answered false).
 */
export async function workerEvents(jobId: string): Promise<Record<string, unknown>[]> {
  const log = await Deno.readTextFile(logFile(stack.config.logDir, "gateway")).catch(() => "");
  const events: Record<string, unknown>[] = [];
  for (const line of log.split("\n")) {
    if (!line.startsWith("{") || !line.includes(jobId)) continue;
    try {
      const entry = JSON.parse(line) as Record<string, unknown>;
      const jobs = Array.isArray(entry.jobs) ? entry.jobs as { job_id?: string }[] : [];
      if (entry.job_id === jobId || jobs.some((j) => j.job_id === jobId)) events.push(entry);
    } catch { /* another process's line */ }
  }
  return events;
}
