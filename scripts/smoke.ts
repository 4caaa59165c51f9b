// Shows that a running stack works end to end, the way the app will use it: PostgREST and
// Storage through the gateway with supabase-js, and the pg_net path from SQL to HTTP and back.
// Usage: deno run -A scripts/smoke.ts   (instance: STACK_INSTANCE, default dev)

import postgres from "postgres";
import { createClient } from "@supabase/supabase-js";
import { loadConfig, repoRoot } from "../stack/config.ts";
import { readEnvFile } from "../stack/instance.ts";

const config = loadConfig(repoRoot());
const env = readEnvFile(config);
const admin = createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, {
  auth: { persistSession: false, autoRefreshToken: false },
});
const sql = postgres(env.SUPABASE_DB_URL, { max: 1, onnotice: () => {} });

type Check = () => Promise<string>;
const checks: Array<[string, Check]> = [
  ["REST (PostgREST via /rest/v1)", async () => {
    const res = await fetch(`${env.SUPABASE_URL}/rest/v1/`, { headers: { apikey: env.SUPABASE_ANON_KEY } });
    await res.body?.cancel();
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return "OpenAPI served to the anon key";
  }],
  ["Storage (via /storage/v1)", async () => {
    const { data, error } = await admin.storage.listBuckets();
    if (error) throw error;
    return `${data.length} bucket(s)`;
  }],
  ["pg_cron", async () => {
    const [row] = await sql`
      select (select count(*)::int from pg_stat_activity where application_name = 'pg_cron scheduler') as launchers,
             (select count(*)::int from cron.job) as jobs`;
    if (row.launchers !== 1) throw new Error("the pg_cron scheduler is not running");
    return `scheduler running, ${row.jobs} job(s) scheduled`;
  }],
  ["pg_net path (SQL -> dispatcher -> gateway -> SQL)", async () => {
    const [{ id }] = await sql`select net.http_get(${`${env.SUPABASE_URL}/_stack/health`}) as id`;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [row] = await sql`select status_code from net._http_response where id = ${id}`;
      if (row) {
        if (row.status_code !== 200) throw new Error(`status ${row.status_code}`);
        return `request ${id} answered 200`;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("no response within 10 s (is the net-dispatcher running?)");
  }],
];

let failures = 0;
for (const [name, check] of checks) {
  try {
    console.log(`  ok    ${name}: ${await check()}`);
  } catch (error) {
    failures++;
    console.log(`  FAIL  ${name}: ${(error as Error).message}`);
  }
}
await sql.end();
console.log(failures ? `smoke: ${failures} check(s) failed` : "smoke: the stack is healthy");
Deno.exit(failures ? 1 : 0);
