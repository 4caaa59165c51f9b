// Re-running the migrations on a migrated database succeeds and changes nothing (review
// 000; STYLE: "Re-running the migrations on a migrated database changes nothing; CI proves
// it"). Every file in supabase/migrations is applied again, in order, with psql as
// postgres, and the database is compared before and after:
//   - pg_dump --schema-only of public, private and ops (pg_dump 15, the server's major);
//   - the seeded tables: row counts and their configuration columns (counters that the
//     running pg_cron jobs may move, like api_rate_limits.active_requests, are left out);
//   - the pg_cron jobs (id, name, schedule, command, active).
// A migration that re-seeds over an operator's change, recreates a cron job, duplicates a
// policy or a grant, or fails on a second run fails this test.

import { assert, assertEquals } from "@std/assert";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const stack = testStack();
const PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump";
const migrationsDir = `${stack.config.root}/supabase/migrations`;

async function run(cmd: string, args: string[]) {
  const out = await new Deno.Command(cmd, {
    args,
    env: { PGOPTIONS: "-c client_min_messages=warning" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** The schema of public, private and ops as pg_dump prints it, minus its per-run lines. */
async function schemaDump(): Promise<string> {
  const out = await run(PG_DUMP, [
    "--schema-only",
    "--schema=public",
    "--schema=private",
    "--schema=ops",
    `--dbname=${stack.dbUrl}`,
  ]);
  assertEquals(out.code, 0, `pg_dump failed: ${out.stderr}`);
  // \restrict / \unrestrict carry a random key per run (pg_dump 15.14+).
  return out.stdout.split("\n").filter((l) => !/^\\(un)?restrict /.test(l)).join("\n");
}

/** Seeded rows and cron jobs, as JSON text. */
async function dataSnapshot(): Promise<Record<string, string>> {
  const sql = sqlAsPostgres();
  try {
    const [row] = await sql`
      select
        (select jsonb_agg(to_jsonb(c) order by c.config_key) from public.system_configuration c)::text as system_configuration,
        (select jsonb_agg(to_jsonb(l) order by l.job_type, l.job_lane) from public.job_lanes l)::text as job_lanes,
        (select jsonb_agg(to_jsonb(p) order by p.plan_type) from public.subscription_plans p)::text as subscription_plans,
        (select jsonb_agg(jsonb_build_object(
                  'id', r.id, 'provider_name', r.provider_name, 'api_endpoint', r.api_endpoint,
                  'requests_per_minute', r.requests_per_minute, 'requests_per_hour', r.requests_per_hour,
                  'tokens_per_minute', r.tokens_per_minute, 'tokens_per_hour', r.tokens_per_hour,
                  'concurrent_requests', r.concurrent_requests, 'backpressure_threshold', r.backpressure_threshold,
                  'backpressure_delay_seconds', r.backpressure_delay_seconds, 'queue_depth_limit', r.queue_depth_limit,
                  'status', r.status, 'created_at', r.created_at)
                order by r.provider_name, r.api_endpoint)
           from public.api_rate_limits r)::text as api_rate_limits,
        (select jsonb_build_object(
                  'system_configuration', (select count(*) from public.system_configuration),
                  'job_lanes', (select count(*) from public.job_lanes),
                  'subscription_plans', (select count(*) from public.subscription_plans),
                  'api_rate_limits', (select count(*) from public.api_rate_limits)))::text as row_counts,
        (select jsonb_agg(jsonb_build_object('jobid', j.jobid, 'jobname', j.jobname, 'schedule', j.schedule,
                                             'command', j.command, 'active', j.active)
                          order by j.jobname)
           from cron.job j)::text as cron_jobs`;
    return row as Record<string, string>;
  } finally {
    await sql.end();
  }
}

/** Lines only in a, and lines only in b (as multisets), for a readable failure. */
function lineDiff(a: string, b: string): string {
  const count = (s: string) => {
    const m = new Map<string, number>();
    for (const l of s.split("\n")) m.set(l, (m.get(l) ?? 0) + 1);
    return m;
  };
  const ca = count(a), cb = count(b);
  const out: string[] = [];
  for (const [l, n] of ca) for (let i = (cb.get(l) ?? 0); i < n; i++) out.push(`- ${l}`);
  for (const [l, n] of cb) for (let i = (ca.get(l) ?? 0); i < n; i++) out.push(`+ ${l}`);
  return out.slice(0, 80).join("\n");
}

Deno.test("re-applying every migration succeeds and changes nothing", opts, async () => {
  const files = [...Deno.readDirSync(migrationsDir)]
    .filter((e) => e.isFile && e.name.endsWith(".sql"))
    .map((e) => e.name)
    .sort();
  assert(files.length > 0, "no migration files found");

  const schemaBefore = await schemaDump();
  const dataBefore = await dataSnapshot();
  assert(schemaBefore.includes("CREATE TABLE public.job_queue"), "the dump does not hold the schema");

  for (const file of files) {
    const out = await run("psql", [
      "-X", "-q", "-v", "ON_ERROR_STOP=1", `--dbname=${stack.dbUrl}`, "-f", `${migrationsDir}/${file}`,
    ]);
    assertEquals(out.code, 0, `re-applying ${file} failed:\n${out.stderr}`);
  }

  const schemaAfter = await schemaDump();
  const dataAfter = await dataSnapshot();
  assert(schemaBefore === schemaAfter, `the schema changed on a re-run:\n${lineDiff(schemaBefore, schemaAfter)}`);
  for (const key of Object.keys(dataBefore)) {
    assertEquals(dataAfter[key], dataBefore[key], `${key} changed on a re-run`);
  }
});
