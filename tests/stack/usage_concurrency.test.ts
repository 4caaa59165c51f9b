// Usage tracking under real concurrency, which pgTAP (one connection) cannot show:
//   - 20 callers counting the SAME upload at once: exactly one records it, all return the
//     same totals (the ledger's unique key decides, not a read-then-write);
//   - 20 callers counting 20 DIFFERENT uploads of one profile at once: no increment is
//     lost (the counters are one atomic upsert).
// The callers are held at a gate (a lock on usage_events taken by the test) so that all of
// them reach the insert before any can finish, then released together.
// Each test makes its own user (deleted at the end; profiles, files and usage cascade).

import { assert, assertEquals } from "@std/assert";
import postgres from "postgres";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const CALLERS = 20;

async function fixture(sql: postgres.Sql, files: number) {
  const [user] = await sql`insert into auth.users (email) values (${`usage-conc-${crypto.randomUUID()}@example.test`}) returning id`;
  const [profile] = await sql`
    insert into public.user_profiles (account_owner_id, profile_type, display_name)
    values (${user.id}, 'self', 'usage concurrency') returning id`;
  const fileIds: string[] = [];
  for (let i = 0; i < files; i++) {
    const [f] = await sql`
      insert into public.shell_files (patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
      values (${profile.id}, ${`${profile.id}/conc-${i}.pdf`}, 'conc.pdf', 'application/pdf', 1048576, 2)
      returning id`;
    fileIds.push(f.id as string);
  }
  return { userId: user.id as string, profileId: profile.id as string, fileIds };
}

/** Calls track_shell_file_upload_usage as the service role on its own connection. */
async function track(profileId: string, fileId: string) {
  const conn = postgres(testStack().dbUrl, { max: 1, onnotice: () => {} });
  try {
    return await conn.begin(async (tx) => {
      await tx`select set_config('request.jwt.claims', '{"role": "service_role"}', true)`;
      const [row] = await tx`select public.track_shell_file_upload_usage(${profileId}, ${fileId}) as status`;
      return row.status as { recorded: boolean; usage: Record<string, number> };
    });
  } finally {
    await conn.end();
  }
}

/** Runs the calls with every caller held at the insert until all are waiting there. */
async function throughGate(gate: postgres.Sql, calls: () => Promise<unknown>[]) {
  const reserved = await gate.reserve();
  try {
    await reserved`begin`;
    await reserved`lock table public.usage_events in share row exclusive mode`;
    const running = calls();
    // Wait until every caller is blocked on the gate's lock.
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [w] = await gate`
        select count(*)::int as n from pg_catalog.pg_locks
         where relation = 'public.usage_events'::regclass and not granted`;
      if (w.n >= CALLERS) break;
      if (Date.now() > deadline) throw new Error(`only ${w.n} callers reached the gate`);
      await new Promise((r) => setTimeout(r, 20));
    }
    await reserved`commit`;
    return await Promise.all(running);
  } finally {
    reserved.release();
  }
}

Deno.test("20 concurrent counts of the same upload record it once", opts, async () => {
  const sql = sqlAsPostgres();
  const { userId, profileId, fileIds } = await fixture(sql, 1);
  try {
    const results = await throughGate(sql, () => Array.from({ length: CALLERS }, () => track(profileId, fileIds[0])));
    const recorded = results.filter((r) => (r as { recorded: boolean }).recorded);
    assertEquals(recorded.length, 1, "exactly one caller records the upload");
    for (const r of results) {
      assertEquals((r as { usage: Record<string, number> }).usage.shell_files_uploaded, 1, "every caller sees one file");
    }
    const [row] = await sql`
      select (select count(*)::int from public.usage_events where profile_id = ${profileId}) as events,
             (select shell_files_uploaded from public.user_usage_tracking where profile_id = ${profileId}) as files,
             (select total_pages_processed from public.user_usage_tracking where profile_id = ${profileId}) as pages`;
    assertEquals(row, { events: 1, files: 1, pages: 2 });
  } finally {
    await sql`delete from auth.users where id = ${userId}`;
    await sql.end();
  }
});

Deno.test("20 concurrent counts of different uploads lose no increment", opts, async () => {
  const sql = sqlAsPostgres();
  const { userId, profileId, fileIds } = await fixture(sql, CALLERS);
  try {
    const results = await throughGate(sql, () => fileIds.map((id) => track(profileId, id)));
    assert(results.every((r) => (r as { recorded: boolean }).recorded), "every upload is recorded");
    const [row] = await sql`
      select count(*)::int as rows, sum(shell_files_uploaded)::int as files, sum(total_pages_processed)::int as pages,
             sum(total_file_size_mb)::numeric::text as mb
        from public.user_usage_tracking where profile_id = ${profileId}`;
    assertEquals(row, { rows: 1, files: CALLERS, pages: 2 * CALLERS, mb: `${CALLERS}.000000` });
  } finally {
    await sql`delete from auth.users where id = ${userId}`;
    await sql.end();
  }
});
