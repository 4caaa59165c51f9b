// A record_* step raced by the same holder (a request retried while the first is still
// running), which pgTAP (one session) cannot show: one session records page 1's OCR text
// with its tokens and holds its transaction open; 5 more sessions record the same page and
// block on the job's row lock. After the commit every call answers true, and the page has
// one row, one audit event, and its tokens counted once in job_result.tokens_used.
// The test makes its own user, profile, shell file and job, and deletes them at the end.

import { assertEquals } from "@std/assert";
import postgres from "postgres";
import { createUser, sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };
const TOKENS = 1234;

Deno.test(
  "a step raced by 6 calls: its row, its audit event and its tokens, once",
  opts,
  async () => {
    const sql = sqlAsPostgres();
    const user = await createUser(sql, "step-race");
    const sessions = Array.from(
      { length: 6 },
      () => postgres(stack.dbUrl, { max: 1, onnotice: () => {} }),
    );
    try {
      const [profile] = await sql<{ id: string }[]>`
      insert into public.user_profiles (account_owner_id, profile_type, display_name)
      values (${user.id}, 'self', 'step race') returning id`;
      const [file] = await sql<{ id: string }[]>`
      insert into public.shell_files (patient_id, storage_path, original_filename, mime_type, file_size_bytes,
                                      estimated_pages, status, idempotency_key)
      values (${profile.id}, ${profile.id + "/race.png"}, 'race.png', 'image/png', 100, 1, 'queued',
              ${"race-" + crypto.randomUUID()})
      returning id`;
      const [job] = await sql<{ id: string }[]>`
      insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at,
                                    started_at, job_result, patient_id, shell_file_id)
      values ('shell_file_processing', 'standard', 'step race', '{}', 'processing', 'w1', now(), now(),
              '{"page_count": 1, "ocr_pages": [1], "text_done": 0, "pass1_done": 0, "pass2_done": 0,
                "narrative_done": false, "tokens_used": 0}', ${profile.id}, ${file.id})
      returning id`;

      const record = (tx: postgres.TransactionSql) =>
        tx<{ ok: boolean }[]>`
        select public.record_page_text(${job.id}::uuid, 'w1', 1, 'ocr', 'scanned text', 0.9,
                                       'openai_vision', ${TOKENS}) as ok`;
      const asServiceRole = (tx: postgres.TransactionSql) =>
        tx`select set_config('request.jwt.claims', '{"role": "service_role"}', true),
                set_config('role', 'service_role', true)`;

      // FIRST: records the page and holds its transaction open.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let recorded!: () => void;
      const firstRecorded = new Promise<void>((resolve) => (recorded = resolve));
      const first = sessions[0].begin(async (tx) => {
        await asServiceRole(tx);
        const [row] = await record(tx);
        recorded();
        await held;
        return row.ok;
      });
      await firstRecorded;

      // OTHERS: the same step, blocked on the job's row lock.
      const others = sessions.slice(1).map((s) =>
        s.begin(async (tx) => {
          await asServiceRole(tx);
          return (await record(tx))[0].ok;
        })
      );
      const deadline = Date.now() + 10_000;
      let waiting = 0;
      while (Date.now() < deadline) {
        const [row] = await sql<{ n: number }[]>`
        select count(*)::int as n from pg_stat_activity
         where wait_event_type = 'Lock' and query like '%record_page_text%'`;
        waiting = row.n;
        if (waiting === 5) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assertEquals(waiting, 5, "the 5 other calls were blocked on the first, uncommitted step");

      release();
      const answers = [await first, ...(await Promise.all(others))];
      assertEquals(
        answers,
        Array(6).fill(true),
        "every call answered true (recorded, or already recorded)",
      );

      const [state] = await sql<
        { pages: number; audits: number; tokens: number; text_done: number }[]
      >`
      select (select count(*)::int from public.shell_file_pages where shell_file_id = ${file.id}) as pages,
             (select count(*)::int from public.audit_log where job_id = ${job.id} and table_name = 'shell_file_pages') as audits,
             (select (job_result ->> 'tokens_used')::int from public.job_queue where id = ${job.id}) as tokens,
             (select (job_result ->> 'text_done')::int from public.job_queue where id = ${job.id}) as text_done`;
      assertEquals(
        state,
        { pages: 1, audits: 1, tokens: TOKENS, text_done: 1 },
        "one row, one audit, the tokens once",
      );
    } finally {
      await Promise.all(sessions.map((s) => s.end()));
      await sql`delete from auth.users where id = ${user.id}`;
      await sql.end();
    }
  },
);
