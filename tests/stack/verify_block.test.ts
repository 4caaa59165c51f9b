// The verification migration (20261122000900_verify.sql, review 000) passes on the migrated
// database and, on a database missing pieces, fails with one error that lists every one of
// them. The damage is done and the file run inside one psql --single-transaction that
// fails, so nothing is committed.

import { assert, assertEquals } from "@std/assert";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const stack = testStack();
const verifyFile = `${stack.config.root}/supabase/migrations/20261122000900_verify.sql`;

async function psql(args: string[]) {
  const out = await new Deno.Command("psql", {
    args: ["-X", "-q", "-v", "ON_ERROR_STOP=1", `--dbname=${stack.dbUrl}`, ...args],
    env: { PGOPTIONS: "-c client_min_messages=warning" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("the verification block passes on the migrated database", opts, async () => {
  const out = await psql(["-f", verifyFile]);
  assertEquals(out.code, 0, out.stderr);
});

Deno.test("the verification block lists everything missing, in one error", opts, async () => {
  const out = await psql([
    "--single-transaction",
    "-c", "drop policy usage_events_select on public.usage_events",
    "-c", "drop index public.job_queue_lease_idx",
    "-c", "drop function public.cancel_job(uuid, text)",
    "-c", "drop view ops.dead_letters",
    "-c", "alter table public.job_lanes disable row level security",
    "-c", "select cron.unschedule('reclaim-expired-jobs')",
    "-c", "delete from public.system_configuration where config_key = 'worker.timeout_seconds'",
    "-c", "grant execute on function private.usage_status(uuid) to public",
    "-c", "alter function public.get_user_usage_status(uuid) reset search_path",
    "-c", "alter table public.audit_log disable trigger audit_log_no_truncate",
    "-f", verifyFile,
  ]);
  assert(out.code !== 0, "the verification block accepted a broken database");
  const expected = [
    "20261122000900_verify: 10 problem(s):",
    "policy usage_events.usage_events_select",
    "index public.job_queue_lease_idx",
    "function public.cancel_job(uuid, text)",
    "table/view ops.dead_letters",
    "row level security on public.job_lanes",
    'cron job reclaim-expired-jobs running "select public.reclaim_expired_jobs()"',
    "system_configuration row worker.timeout_seconds",
    "revoke execute from PUBLIC on private.usage_status(uuid)",
    "set search_path = pg_catalog, pg_temp on security definer function get_user_usage_status(uuid)",
    "trigger public.audit_log.audit_log_no_truncate (enabled)",
  ];
  for (const item of expected) assert(out.stderr.includes(item), `missing "${item}" in:\n${out.stderr}`);

  // Nothing of the damage was committed.
  const sql = sqlAsPostgres();
  try {
    const [row] = await sql`
      select exists (select 1 from pg_policies where policyname = 'usage_events_select') as policy,
             to_regclass('public.job_queue_lease_idx') is not null as index,
             exists (select 1 from cron.job where jobname = 'reclaim-expired-jobs') as cron`;
    assertEquals(row, { policy: true, index: true, cron: true });
  } finally {
    await sql.end();
  }
});
