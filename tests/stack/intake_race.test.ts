// create_shell_file_job under real concurrency, which pgTAP (one session) cannot show: racing
// calls with the same idempotency key create exactly one shell file and one job, every caller
// gets the same ids, and exactly one of them is told it created them.
//   1. 10 concurrent calls through PostgREST with the service key (as the intake function
//      makes them);
//   2. a forced race: one session's insert is held uncommitted while 9 other sessions call
//      with the same key and block on it; after the commit, all 9 answer as replays.
// Each test makes its own user and profile and deletes them (and, by cascade, their files,
// jobs and usage rows) at the end.

import { assert, assertEquals } from "@std/assert";
import postgres from "postgres";
import { client, createUser, sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

interface IntakeRow {
  shell_file_id: string;
  job_id: string;
  status: string;
  created: boolean;
}

interface Fixture {
  sql: postgres.Sql;
  userId: string;
  profileId: string;
  key: string;
  path: string;
}

async function withProfile(fn: (f: Fixture) => Promise<void>) {
  const sql = sqlAsPostgres();
  const user = await createUser(sql, "intake-race");
  try {
    const [profile] = await sql<{ id: string }[]>`
      insert into public.user_profiles (account_owner_id, profile_type, display_name)
      values (${user.id}, 'self', 'intake race') returning id`;
    await fn({
      sql,
      userId: user.id,
      profileId: profile.id,
      key: `race-${crypto.randomUUID()}`,
      path: `${profile.id}/race-${crypto.randomUUID().slice(0, 8)}.pdf`,
    });
  } finally {
    await sql`delete from auth.users where id = ${user.id}`;
    await sql.end();
  }
}

function args(f: Fixture) {
  return {
    p_user_id: f.userId,
    p_profile_id: f.profileId,
    p_storage_path: f.path,
    p_original_filename: "race.pdf",
    p_mime_type: "application/pdf",
    p_file_size_bytes: 4096,
    p_estimated_pages: 2,
    p_idempotency_key: f.key,
    p_estimated_tokens: 3000,
  };
}

/** Every answer names the same file and job; exactly one says created; the tables agree. */
async function assertOneUpload(f: Fixture, answers: IntakeRow[], callers: number) {
  assertEquals(answers.length, callers, "every caller got an answer");
  const fileIds = new Set(answers.map((a) => a.shell_file_id));
  const jobIds = new Set(answers.map((a) => a.job_id));
  assertEquals(fileIds.size, 1, `all answers carry the same shell_file_id: ${[...fileIds]}`);
  assertEquals(jobIds.size, 1, `all answers carry the same job_id: ${[...jobIds]}`);
  assertEquals(answers.filter((a) => a.created).length, 1, "exactly one answer says created = true");

  const [row] = await f.sql<{ files: number; jobs: number; usage: number; audits: number; linked: string | null }[]>`
    select (select count(*)::int from public.shell_files where idempotency_key = ${f.key}) as files,
           (select count(*)::int from public.job_queue j join public.shell_files s on s.id = j.shell_file_id
             where s.idempotency_key = ${f.key}) as jobs,
           (select count(*)::int from public.usage_events u join public.shell_files s on s.id = u.shell_file_id
             where s.idempotency_key = ${f.key}) as usage,
           (select count(*)::int from public.audit_log a join public.shell_files s on a.record_id = s.id::text
             where s.idempotency_key = ${f.key} and a.table_name = 'shell_files') as audits,
           (select processing_job_id::text from public.shell_files where idempotency_key = ${f.key}) as linked`;
  assertEquals(
    { files: row.files, jobs: row.jobs, usage: row.usage, audits: row.audits },
    { files: 1, jobs: 1, usage: 1, audits: 1 },
    "one shell file, one job, one usage event, one audit event",
  );
  assertEquals(row.linked, [...jobIds][0], "the shell file points at the job every caller was given");
}

Deno.test("10 concurrent intake calls through PostgREST with one key: one upload", opts, async () => {
  await withProfile(async (f) => {
    const service = client(stack.serviceRoleKey);
    const results = await Promise.all(
      Array.from({ length: 10 }, () => service.rpc("create_shell_file_job", args(f))),
    );
    const errors = results.filter((r) => r.error).map((r) => r.error?.message);
    assertEquals(errors, [], "no call failed");
    const answers = results.map((r) => {
      const rows = r.data as IntakeRow[];
      assertEquals(rows.length, 1, "one row per answer");
      return rows[0];
    });
    await assertOneUpload(f, answers, 10);
  });
});

Deno.test("a forced race: 9 calls blocked on an uncommitted first insert all answer as replays", opts, async () => {
  await withProfile(async (f) => {
    const sessions = Array.from({ length: 10 }, () => postgres(stack.dbUrl, { max: 1, onnotice: () => {} }));
    const call = (tx: postgres.TransactionSql) =>
      tx<IntakeRow[]>`
        select * from public.create_shell_file_job(
          ${f.userId}::uuid, ${f.profileId}::uuid, ${f.path}, 'race.pdf', 'application/pdf',
          4096, 2, ${f.key}, 3000)`;
    const asServiceRole = (tx: postgres.TransactionSql) =>
      tx`select set_config('request.jwt.claims', '{"role": "service_role"}', true),
                set_config('role', 'service_role', true)`;
    try {
      // FIRST: inserts and holds its transaction open until the others are waiting on it.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let inserted!: () => void;
      const firstInserted = new Promise<void>((resolve) => (inserted = resolve));
      const first = sessions[0].begin(async (tx) => {
        await asServiceRole(tx);
        const rows = await call(tx);
        inserted();
        await held;
        return rows[0];
      });
      await firstInserted;

      // OTHERS: start, and block on the first one's uncommitted row.
      const others = sessions.slice(1).map((s) =>
        s.begin(async (tx) => {
          await asServiceRole(tx);
          return (await call(tx))[0];
        })
      );
      const deadline = Date.now() + 10_000;
      let waiting = 0;
      while (Date.now() < deadline) {
        const [row] = await f.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity
           where wait_event_type = 'Lock' and query like '%create_shell_file_job%'`;
        waiting = row.n;
        if (waiting === 9) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assertEquals(waiting, 9, "the 9 other calls were blocked on the first, uncommitted insert");

      release();
      const answers = [await first, ...(await Promise.all(others))];
      assert(answers[0].created, "the first call created the upload");
      assertEquals(answers.slice(1).map((a) => a.created), Array(9).fill(false), "the 9 blocked calls answered created = false");
      await assertOneUpload(f, answers, 10);
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
    }
  });
});
