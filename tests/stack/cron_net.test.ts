// The path the pipeline's drivers take: a pg_cron job calls net.http_post, the pg_net
// stand-in's dispatcher sends it to an Edge Function through the gateway, and the answer
// lands in net._http_response. Local pg_cron (1.4) has minute schedules, so the first
// test waits for the next minute boundary.

import { assert, assertEquals } from "@std/assert";
import type postgres from "postgres";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Polls `find` until it returns a row; fails naming `what` after `ms`. */
async function waitForRow(what: string, find: () => Promise<postgres.Row | undefined>, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const row = await find();
    if (row) return row;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no ${what} within ${ms / 1000} s`);
}

Deno.test("a pg_cron job reaches an Edge Function through net.http_post", opts, async () => {
  const sql = sqlAsPostgres();
  const marker = crypto.randomUUID();
  const job = `stack-test-${marker.slice(0, 8)}`;
  try {
    const url = `${stack.url}/functions/v1/echo`;
    const command = `select net.http_post(url := '${url}', body := '{"marker": "${marker}"}'::jsonb)`;
    await sql`select cron.schedule(${job}, '* * * * *', ${command})`;

    const row = await waitForRow("response to the cron-driven request", async () => {
      const [r] = await sql`
        select status_code, content::jsonb as content, timed_out from net._http_response
        where content like ${"%" + marker + "%"}`;
      return r;
    }, 75_000);
    assertEquals(row.status_code, 200);
    assertEquals(row.timed_out, false);
    assertEquals(JSON.parse(row.content.body), { marker });

    const [run] = await sql`
      select d.status from cron.job_run_details d join cron.job j using (jobid)
      where j.jobname = ${job} order by d.start_time desc limit 1`;
    assertEquals(run?.status, "succeeded");
  } finally {
    await sql`select cron.unschedule(jobname) from cron.job where jobname = ${job}`;
    await sql.end();
  }
});

Deno.test("a request to a function that outlives timeout_milliseconds is recorded as timed out", opts, async () => {
  const sql = sqlAsPostgres();
  try {
    const [{ id }] = await sql`
      select net.http_post(
        url := ${`${stack.url}/functions/v1/sleeper?ms=1200`},
        timeout_milliseconds := 300
      ) as id`;
    const row = await waitForRow("response row", async () => {
      const [r] = await sql`select status_code, timed_out, error_msg from net._http_response where id = ${id}`;
      return r;
    }, 10_000);
    assertEquals(row.timed_out, true);
    assertEquals(row.status_code, null);
    assert(typeof row.error_msg === "string" && row.error_msg.length > 0);
  } finally {
    await sql.end();
  }
});
