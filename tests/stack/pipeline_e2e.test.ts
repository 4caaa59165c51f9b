// The document pipeline end to end on the local stack, as an app drives it: upload to Storage
// as the user, intake through shell-file-processor-v3, processing by job-worker invocations
// that pg_cron and pg_net start, and the results read back through PostgREST.
//   1. a 3-page PDF with a text layer, processed by the pg_cron tick alone: clinical rows,
//      audit rows with patient and job ids, usage, status, and row-level security;
//   2. a password-protected PDF: dead-lettered at once, the user sees why, nothing clinical;
//   3. 10 racing intake requests with one idempotency key: one shell file, one job;
//   4. another profile's folder: intake refuses it (403), Storage refuses uploads into it;
//   5. the worker refuses anyone without the service credential, and claims nothing.
// Each test makes fresh accounts and deletes them (with their uploads, files, jobs, results
// and usage) at the end; audit_log is append-only and keeps its rows. Rate limits and
// provider faults: pipeline_limits.test.ts.

import { assert, assertEquals, assertExists } from "@std/assert";
import postgres from "postgres";
import {
  type Account,
  BUCKET,
  kickDispatcher,
  processingStatus,
  requestIntake,
  submitDocument,
} from "../../scripts/lib/documents.ts";
import { mintUserToken, signJwt } from "../../stack/jwt.ts";
import {
  accounts,
  endpoints,
  type JobAttempt,
  overrideConfig,
  sample,
  stack,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PDF = "application/pdf";

/** What the stand-in's pass 2 gives for discharge-summary.pdf (samples/README.md), by page. */
const DISCHARGE_SUMMARY_ITEMS = [
  [1, "condition", "Community-acquired pneumonia, right lower lobe"],
  [1, "condition", "Type 2 diabetes mellitus"],
  [1, "condition", "Essential hypertension"],
  [1, "allergy", "Penicillin"],
  [1, "allergy", "Sulfonamides"],
  [2, "procedure", "Chest X-ray"],
  [2, "observation", "Blood pressure"],
  [2, "observation", "HbA1c"],
  [2, "observation", "Oxygen saturation"],
  [2, "medication", "Metformin"],
  [2, "medication", "Lisinopril"],
  [2, "medication", "Doxycycline"],
  [2, "medication", "Atorvastatin"],
  [3, "immunization", "Pneumococcal conjugate vaccine (PCV20)"],
  [3, "encounter", "Follow-up with primary care in 7 days"],
].map(([page, category, label]) => `${page} ${category}: ${label}`).sort();

/** Rows of a profile-scoped table for one shell file, read as `account` through PostgREST. */
async function readAs(account: Account, table: string, column: string, value: string) {
  const { data, error } = await account.client.from(table).select("*").eq(column, value);
  if (error) throw new Error(`${table} as ${account.email}: ${error.message}`);
  return data;
}

Deno.test("discharge-summary.pdf: upload, intake, pg_cron-driven processing, clinical rows, audit, usage, RLS", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    try {
      const owner = await users.create("e2e-owner");
      const other = await users.create("e2e-other");
      const [{ now: submittedAt }] = await sql<{ now: Date }[]>`select now()`;
      const submission = await submitDocument(endpoints, owner, {
        name: "discharge-summary.pdf",
        bytes: await sample("discharge-summary.pdf"),
        mimeType: PDF,
      });
      assertEquals(submission.status, 201, JSON.stringify(submission.body));
      assertEquals(submission.body.status, "queued");
      assertEquals(submission.body.created, true);
      const shellFileId = submission.body.shell_file_id!;
      const jobId = submission.body.job_id!;

      // PROCESSING: nothing here calls the dispatcher; the next pg_cron minute tick starts a
      // worker and its chain does the rest.
      const [done] = await waitUntilFinished(sql, [shellFileId], 90_000);
      assertEquals(done.status, "completed");
      const [tick] = await sql<{ start_time: Date; status: string }[]>`
        select d.start_time, d.status from cron.job_run_details d join cron.job j using (jobid)
         where j.jobname = 'dispatch-workers' and d.start_time > ${submittedAt}
         order by d.start_time limit 1`;
      assertExists(tick, "a dispatch-workers tick ran after the upload");
      assertEquals(tick.status, "succeeded");

      // SHELL FILE AND JOB
      const [file] = await sql`select * from public.shell_files where id = ${shellFileId}`;
      assertEquals(
        { status: file.status, page_count: file.page_count, error: file.processing_error, job: file.processing_job_id },
        { status: "completed", page_count: 3, error: null, job: jobId },
      );
      assert(file.processing_started_at >= tick.start_time, "processing started with the cron tick, not before");
      assert(file.processing_completed_at >= file.processing_started_at);
      const [job] = await sql`select * from public.job_queue where id = ${jobId}`;
      assertEquals(job.status, "completed");
      assertEquals(job.retry_count, 0);
      assertEquals(job.dead_letter_at, null);
      assertEquals(job.patient_id, owner.profileId);
      assertEquals(job.job_result.finished, true);
      assertEquals(
        [job.job_result.page_count, job.job_result.text_done, job.job_result.pass1_done, job.job_result.pass2_done],
        [3, 3, 3, 3],
      );
      assertEquals(job.job_result.narrative_done, true);
      assertEquals(job.job_result.ocr_pages, [], "every page has a text layer: no OCR");
      assert(job.job_result.tokens_used > 0, "tokens recorded with the job");

      // CLINICAL ROWS, every one with the patient and the job.
      const pages = await sql`
        select page_number, text_source, length(page_text) as chars, patient_id, job_id
          from public.shell_file_pages where shell_file_id = ${shellFileId} order by page_number`;
      assertEquals(pages.map((p) => [p.page_number, p.text_source]), [[1, "pdf_text_layer"], [2, "pdf_text_layer"], [3, "pdf_text_layer"]]);
      assert(pages.every((p) => p.chars > 100), "each page has its text");
      const entities = await sql`
        select page_number, jsonb_array_length(entities) as n, patient_id, job_id
          from public.page_entity_detections where shell_file_id = ${shellFileId} order by page_number`;
      assertEquals(entities.map((e) => e.page_number), [1, 2, 3]);
      assert(entities.every((e) => e.n > 0), "pass 1 found entities on every page");
      const items = await sql`
        select id::text, page_number, item_index, category, label, patient_id, job_id
          from public.clinical_extractions where shell_file_id = ${shellFileId} order by page_number, item_index`;
      assertEquals(items.map((i) => `${i.page_number} ${i.category}: ${i.label}`).sort(), DISCHARGE_SUMMARY_ITEMS);
      const narratives = await sql`
        select id::text, title, length(narrative) as chars, patient_id, job_id
          from public.clinical_narratives where shell_file_id = ${shellFileId}`;
      assertEquals(narratives.length, 1);
      assertEquals(narratives[0].title, "Discharge Summary");
      for (const row of [...pages, ...entities, ...items, ...narratives]) {
        assertEquals([row.patient_id, row.job_id], [owner.profileId, jobId]);
      }

      // AUDIT: one event per clinical write, each naming the patient and the job.
      interface Audit {
        table_name: string;
        record_id: string;
        operation: string;
        category: string;
        job_id: string | null;
        new_values: Record<string, unknown>;
      }
      const audits: Audit[] = await sql<Audit[]>`
        select table_name, record_id, operation, compliance_category as category, job_id::text, new_values
          from public.audit_log where patient_id = ${owner.profileId} order by id`;
      const perTable = (rows: Audit[]) =>
        Object.fromEntries(
          [...new Set(rows.map((a) => a.table_name))].sort().map((t) => [t, rows.filter((a) => a.table_name === t).length]),
        );
      assertEquals(perTable(audits.filter((a) => a.job_id === jobId)), {
        clinical_extractions: 3, // one per page, listing the page's new row ids
        clinical_narratives: 1,
        job_queue: 2, // enqueued, completed
        page_entity_detections: 3,
        shell_file_pages: 3,
        shell_files: 3, // submitted, inspected, completed
        usage_events: 1, // AI processing counted
      });
      assertEquals(
        audits.filter((a) => a.job_id !== jobId).map((a) => [a.table_name, a.job_id, a.category]),
        [["usage_events", null, "billing"]],
        "the only event without the job: counting the upload (before processing)",
      );
      const clinical = audits.filter((a) => a.job_id === jobId && a.table_name !== "job_queue" && a.table_name !== "usage_events");
      assert(clinical.every((a) => a.category === "clinical"), "clinical writes are audited as clinical");
      assertEquals(
        audits.filter((a) => a.table_name === "shell_file_pages").map((a) => a.record_id),
        [1, 2, 3].map((p) => `${shellFileId}:${p}`),
      );
      assertEquals(
        audits.filter((a) => a.table_name === "clinical_extractions").flatMap((a) => a.new_values.ids as string[]).sort(),
        items.map((i) => i.id).sort(),
        "the extraction events list exactly the 15 rows written",
      );
      assertEquals(audits.filter((a) => a.table_name === "clinical_narratives").map((a) => a.record_id), [narratives[0].id]);
      assertEquals(
        audits.filter((a) => a.table_name === "shell_files").map((a) => [a.operation, a.new_values.status]),
        [["INSERT", "queued"], ["UPDATE", "processing"], ["UPDATE", "completed"]],
      );

      // USAGE: the upload and the AI processing, each counted once.
      const events = await sql`
        select event_type, shell_file_id::text, job_id::text, quantities
          from public.usage_events where profile_id = ${owner.profileId} order by created_at`;
      assertEquals(events.map((e) => [e.event_type, e.shell_file_id, e.job_id]), [
        ["shell_file_uploaded", shellFileId, null],
        ["ai_processing_completed", null, jobId],
      ]);
      assertEquals(Number(events[1].quantities.tokens_used), job.job_result.tokens_used);
      const tracking = await sql`
        select shell_files_uploaded, ai_processing_jobs, ai_tokens_used::int, total_file_size_mb::float8 as mb
          from public.user_usage_tracking where profile_id = ${owner.profileId}`;
      assertEquals(tracking.length, 1);
      assertEquals(
        [tracking[0].shell_files_uploaded, tracking[0].ai_processing_jobs, tracking[0].ai_tokens_used],
        [1, 1, job.job_result.tokens_used],
      );
      assert(tracking[0].mb > 0, "the upload's size is counted");

      // ROW-LEVEL SECURITY through PostgREST: the owner reads every row, another user none.
      const tables: Array<[string, string, string, number]> = [
        ["shell_files", "id", shellFileId, 1],
        ["shell_file_pages", "shell_file_id", shellFileId, 3],
        ["page_entity_detections", "shell_file_id", shellFileId, 3],
        ["clinical_extractions", "shell_file_id", shellFileId, 15],
        ["clinical_narratives", "shell_file_id", shellFileId, 1],
        ["usage_events", "profile_id", owner.profileId, 2],
        ["user_usage_tracking", "profile_id", owner.profileId, 1],
      ];
      for (const [table, column, value, rows] of tables) {
        assertEquals((await readAs(owner, table, column, value)).length, rows, `${table} as the owner`);
        assertEquals((await readAs(other, table, column, value)).length, 0, `${table} as another user`);
      }
      const status = await processingStatus(owner, shellFileId);
      assertEquals(
        [status.status, status.page_count, status.text_done, status.pass1_done, status.pass2_done, status.narrative_done],
        ["completed", 3, 3, 3, 3, true],
      );
      const foreign = await other.client.rpc("get_processing_status", { p_shell_file_id: shellFileId });
      assertEquals(foreign.error?.code, "P0002", "another user is told the file does not exist");
      const download = await other.client.storage.from(BUCKET).download(`${owner.profileId}/discharge-summary.pdf`);
      assert(download.error, "another user cannot download the document");
    } finally {
      await users.cleanup();
    }
  }));

Deno.test("password-protected.pdf: dead-lettered, the user is told why, nothing clinical written", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    try {
      const owner = await users.create("e2e-locked");
      const submission = await submitDocument(endpoints, owner, {
        name: "password-protected.pdf",
        bytes: await sample("password-protected.pdf"),
        mimeType: PDF,
      });
      assertEquals(submission.status, 201, JSON.stringify(submission.body));
      const shellFileId = submission.body.shell_file_id!;
      await kickDispatcher(sql);
      const [done] = await waitUntilFinished(sql, [shellFileId], 30_000);
      assertEquals(done.status, "failed");

      const [job] = await sql`select * from public.job_queue where id = ${submission.body.job_id!}`;
      assertEquals(job.status, "failed");
      assertExists(job.dead_letter_at, "dead-lettered");
      assertEquals(job.retry_count, 1, "not retried: a password does not go away");
      assertEquals(job.error_details.dead_letter_reason, "not_retryable");
      const attempts = job.error_details.attempts as JobAttempt[];
      assertEquals(attempts.length, 1);
      assertEquals(
        [attempts[0].event, attempts[0].outcome, attempts[0].error?.code, attempts[0].error?.step],
        ["failed", "dead_lettered", "encrypted_document", "inspect"],
      );

      const userError = { code: "encrypted_document", message: "The document is password-protected. Upload a copy without a password." };
      const [file] = await sql`select status, page_count, processing_error from public.shell_files where id = ${shellFileId}`;
      assertEquals([file.status, file.page_count, file.processing_error], ["failed", null, userError]);
      const status = await processingStatus(owner, shellFileId);
      assertEquals([status.status, status.error], ["failed", userError], "what the app shows the user");

      const [rows] = await sql`
        select (select count(*)::int from public.shell_file_pages where shell_file_id = ${shellFileId}) as pages,
               (select count(*)::int from public.page_entity_detections where shell_file_id = ${shellFileId}) as entities,
               (select count(*)::int from public.clinical_extractions where shell_file_id = ${shellFileId}) as items,
               (select count(*)::int from public.clinical_narratives where shell_file_id = ${shellFileId}) as narratives,
               (select count(*)::int from public.usage_events
                 where profile_id = ${owner.profileId} and event_type = 'ai_processing_completed') as ai_usage`;
      assertEquals(rows, { pages: 0, entities: 0, items: 0, narratives: 0, ai_usage: 0 });
      const audits = await sql`
        select table_name, new_values ->> 'status' as status from public.audit_log
         where job_id = ${job.id} and table_name = 'shell_files' order by id`;
      assertEquals(audits.map((a) => a.status), ["queued", "failed"], "submitted, then failed; never inspected");
    } finally {
      await users.cleanup();
    }
  }));

Deno.test("10 concurrent intake requests with one idempotency key: one shell file, one job, one 201", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    try {
      const owner = await users.create("e2e-race");
      // Pause the dispatcher, so no tick processes the document while the test looks at it.
      const paused = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
      try {
        const path = `${owner.profileId}/race-${crypto.randomUUID().slice(0, 8)}.pdf`;
        const upload = await owner.client.storage.from(BUCKET).upload(path, await sample("discharge-summary.pdf"), {
          contentType: PDF,
        });
        assertEquals(upload.error, null);
        const key = `race-${crypto.randomUUID()}`;
        const body = { profile_id: owner.profileId, storage_path: path, mime_type: PDF, idempotency_key: key };
        const answers = await Promise.all(Array.from({ length: 10 }, () => requestIntake(endpoints, owner, body)));

        assertEquals(answers.filter((a) => a.status !== 200 && a.status !== 201), [], "every request answered 200 or 201");
        assertEquals(answers.filter((a) => a.status === 201).length, 1, "exactly one 201 (created)");
        assertEquals(answers.map((a) => a.body.created), answers.map((a) => a.status === 201));
        const fileIds = new Set(answers.map((a) => a.body.shell_file_id));
        const jobIds = new Set(answers.map((a) => a.body.job_id));
        assertEquals([fileIds.size, jobIds.size], [1, 1], "every answer names the same shell file and job");
        const [shellFileId, jobId] = [[...fileIds][0]!, [...jobIds][0]!];

        const [row] = await sql`
          select (select count(*)::int from public.shell_files where patient_id = ${owner.profileId}) as files,
                 (select count(*)::int from public.shell_files where idempotency_key = ${key} and id = ${shellFileId}) as by_key,
                 (select count(*)::int from public.job_queue where patient_id = ${owner.profileId}) as jobs,
                 (select count(*)::int from public.job_queue where id = ${jobId} and shell_file_id = ${shellFileId}) as linked,
                 (select count(*)::int from public.usage_events where profile_id = ${owner.profileId}) as usage,
                 (select count(*)::int from public.audit_log
                   where patient_id = ${owner.profileId} and table_name = 'shell_files') as audits`;
        assertEquals(row, { files: 1, by_key: 1, jobs: 1, linked: 1, usage: 1, audits: 1 });
      } finally {
        await paused.restore();
      }
    } finally {
      await users.cleanup();
    }
  }));

Deno.test("another profile's folder: intake answers 403 no_profile_access, Storage refuses uploads, nothing written", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    try {
      const victim = await users.create("e2e-victim");
      const intruder = await users.create("e2e-intruder");
      const [{ now: startedAt }] = await sql<{ now: Date }[]>`select now()`;
      const victimPath = `${victim.profileId}/letter.pdf`;
      const bytes = await sample("discharge-summary.pdf");
      const uploaded = await victim.client.storage.from(BUCKET).upload(victimPath, bytes, { contentType: PDF });
      assertEquals(uploaded.error, null, "the victim's own upload");

      // The victim's file, submitted under the victim's profile: no access to the profile.
      const asVictimProfile = await requestIntake(endpoints, intruder, {
        profile_id: victim.profileId,
        storage_path: victimPath,
        mime_type: PDF,
        idempotency_key: `intruder-${crypto.randomUUID()}`,
      });
      assertEquals(asVictimProfile.status, 403, JSON.stringify(asVictimProfile.body));
      assertEquals(asVictimProfile.body.error?.code, "no_profile_access");
      assert(!JSON.stringify(asVictimProfile.body).includes("letter.pdf"), "the answer does not echo the path");

      // The victim's file, submitted under the intruder's own profile: the path is not theirs.
      const asOwnProfile = await requestIntake(endpoints, intruder, {
        profile_id: intruder.profileId,
        storage_path: victimPath,
        mime_type: PDF,
        idempotency_key: `intruder-${crypto.randomUUID()}`,
      });
      assertEquals(asOwnProfile.status, 400, JSON.stringify(asOwnProfile.body));
      assertEquals([asOwnProfile.body.error?.code, asOwnProfile.body.error?.field], ["invalid_request", "storage_path"]);

      // Uploading into the victim's folder: Storage (RLS on storage.objects) refuses.
      const planted = await intruder.client.storage.from(BUCKET).upload(`${victim.profileId}/planted.pdf`, bytes, {
        contentType: PDF,
      });
      const refusal = planted.error as { statusCode?: string; message: string } | null;
      assertEquals(refusal?.statusCode, "403", refusal?.message ?? "Storage accepted the upload");

      const [row] = await sql`
        select (select count(*)::int from public.shell_files where patient_id in (${victim.profileId}, ${intruder.profileId})) as files,
               (select count(*)::int from public.job_queue where patient_id in (${victim.profileId}, ${intruder.profileId})) as jobs,
               (select count(*)::int from public.usage_events where profile_id in (${victim.profileId}, ${intruder.profileId})) as usage,
               (select count(*)::int from public.audit_log
                 where occurred_at >= ${startedAt} and patient_id in (${victim.profileId}, ${intruder.profileId})) as audits,
               (select array_agg(name order by name) from storage.objects
                 where bucket_id = ${BUCKET} and name like ${victim.profileId + "/%"}) as objects`;
      assertEquals(row, { files: 0, jobs: 0, usage: 0, audits: 0, objects: [victimPath] });
      assertEquals(
        (await Array.fromAsync(Deno.readDir(`${stack.config.storageDir}/${BUCKET}/${victim.profileId}`))).map((e) => e.name),
        ["letter.pdf"],
        "no planted file on disk",
      );
    } finally {
      await users.cleanup();
    }
  }));

Deno.test("job-worker refuses callers without the service credential and claims nothing", opts, () =>
  withSql(async (sql) => {
    const users = accounts(sql);
    try {
      const owner = await users.create("e2e-worker-auth");
      // A claimable job, with the dispatcher paused so only these requests could claim it.
      const paused = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
      try {
        const submission = await submitDocument(endpoints, owner, {
          name: "discharge-summary.pdf",
          bytes: await sample("discharge-summary.pdf"),
          mimeType: PDF,
        });
        assertEquals(submission.status, 201);
        const snapshot = () =>
          sql`select id, status, worker_id, heartbeat_at, retry_count, job_result, error_details, updated_at
                from public.job_queue order by id`;
        const before = await snapshot();

        const now = Math.floor(Date.now() / 1000);
        const forged = await signJwt(
          { iss: "supabase-local", iat: now - 60, exp: now + 3600, role: "service_role", ref: "forged" },
          stack.jwtSecret,
        );
        assert(forged !== stack.serviceRoleKey);
        const cases: Array<[string, Record<string, string>, number, string]> = [
          ["no Authorization", {}, 401, "unauthorized"],
          ["the anon key", { Authorization: `Bearer ${stack.anonKey}`, apikey: stack.anonKey }, 403, "forbidden"],
          ["a user's token", { Authorization: `Bearer ${owner.token}`, apikey: stack.anonKey }, 403, "forbidden"],
          ["a user's token of another user", {
            Authorization: `Bearer ${await mintUserToken(stack.jwtSecret, { id: crypto.randomUUID() })}`,
          }, 403, "forbidden"],
          ["a validly signed service_role JWT that is not the service key", { Authorization: `Bearer ${forged}` }, 403, "forbidden"],
        ];
        for (const [name, headers, status, code] of cases) {
          const res = await fetch(`${stack.url}/functions/v1/job-worker`, {
            method: "POST",
            headers: { ...headers, "Content-Type": "application/json" },
            body: JSON.stringify({ source: "test" }),
          });
          const body = await res.json();
          assertEquals([res.status, body.error?.code], [status, code], `${name}: ${JSON.stringify(body)}`);
        }
        // An accepted call claims within milliseconds (the claim is its first RPC); give a
        // wrongly accepted one ample time to show.
        await new Promise((r) => setTimeout(r, 1500));
        assertEquals(await snapshot(), before, "job_queue unchanged: nothing claimed");

        // CONTROL: the service key is accepted, and the same job is claimed and processed.
        const accepted = await fetch(`${stack.url}/functions/v1/job-worker`, {
          method: "POST",
          headers: { Authorization: `Bearer ${stack.serviceRoleKey}`, "Content-Type": "application/json" },
          body: JSON.stringify({ source: "test" }),
        });
        const body = await accepted.json();
        assertEquals([accepted.status, body.accepted], [202, true]);
        const [done] = await waitUntilFinished(sql, [submission.body.shell_file_id!], 30_000);
        assertEquals(done.status, "completed", "the service credential's invocation processed the job");
      } finally {
        await paused.restore();
      }
    } finally {
      await users.cleanup();
    }
  }));
