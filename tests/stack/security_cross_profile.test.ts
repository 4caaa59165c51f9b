// User A (the intruder) goes after user B's data (the victim: a processed document with its
// pages, entities, clinical items, narrative, usage and audit rows, and a grant of B's profile
// to a third user) through every path a signed-in user has:
//   1. every function in public through PostgREST (/rest/v1/rpc), with B's ids in every
//      id argument, read from the catalog so a new RPC is covered without touching this file;
//   2. REST on every table in public (read from the catalog): select with B's ids in every
//      uuid column, embedding, counting, update and delete filtered on B's ids, inserts that
//      name B's profile, user or rows;
//   3. the Edge Functions: intake with B's profile and path, audit events about B's patient
//      and B's job;
//   4. Storage: list, download, info, sign, upload, upsert, update, move, copy and remove in
//      B's folder, forged signed URLs, and the bucket itself.
// Each attempt is refused (4xx, never 5xx) or sees nothing; nothing is written anywhere
// (tests/support/row_counts.ts, plus B's files on disk); and no answer holds anything of B's
// that A did not send in the request: B's user id, email, profile id, file name, shell file,
// job, row ids, or a line of the document's text (checked on the raw response text). Where a
// refusal could tell "exists" from "does not" (a 403 against a 404), the same request is
// sent for a made-up id or name and both answers must be the same.

import { assert, assertEquals } from "@std/assert";
import {
  BUCKET,
  kickDispatcher,
  requestIntake,
  submitDocument,
} from "../../scripts/lib/documents.ts";
import { signJwt } from "../../stack/jwt.ts";
import {
  accounts,
  endpoints,
  overrideConfig,
  sample,
  stack,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";
import { assertNothingWritten, writableState } from "../support/row_counts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PDF = "application/pdf";

interface Answer {
  status: number;
  text: string;
  json: unknown;
  headers: Headers;
}

/** One HTTP request as A; the raw text is what the leak check reads. */
async function send(
  token: string,
  method: string,
  path: string,
  options: { body?: unknown; raw?: BodyInit; headers?: Record<string, string> } = {},
): Promise<Answer & { sent: string }> {
  const body = options.raw ??
    (options.body === undefined ? undefined : JSON.stringify(options.body));
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      apikey: stack.anonKey,
      Authorization: `Bearer ${token}`,
      ...(options.body !== undefined ? { "Content-Type": "application/json" } : {}),
      ...options.headers,
    },
    body,
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch { /* not JSON: the text is still checked */ }
  return {
    status: res.status,
    text,
    json,
    headers: res.headers,
    sent: `${method} ${path} ${typeof body === "string" ? body : ""}`,
  };
}

Deno.test(
  "user A cannot reach user B's data through any RPC, table, function or Storage path, and learns nothing",
  opts,
  (t) =>
    withSql(async (sql) => {
      const users = accounts(sql);
      let pause: { restore: () => Promise<void> } | undefined;
      try {
        // FIXTURE: B's document, processed end to end; a grant of B's profile to a carer; A's own upload.
        const victim = await users.create("xp-victim");
        const carer = await users.create("xp-carer");
        const intruder = await users.create("xp-intruder");
        const fileName = `victim-${crypto.randomUUID().slice(0, 8)}-discharge.pdf`;
        const victimPath = `${victim.profileId}/${fileName}`;
        const submission = await submitDocument(endpoints, victim, {
          name: fileName,
          bytes: await sample("discharge-summary.pdf"),
          mimeType: PDF,
        });
        assertEquals(submission.status, 201, JSON.stringify(submission.body));
        const shellFileId = submission.body.shell_file_id!;
        const jobId = submission.body.job_id!;
        await kickDispatcher(sql);
        const [done] = await waitUntilFinished(sql, [shellFileId], 90_000, { kickEveryMs: 5_000 });
        assertEquals(done.status, "completed");
        const granted = await victim.client.from("profile_access_grants")
          .insert({ profile_id: victim.profileId, grantee_id: carer.userId, access_level: "read" })
          .select("id").single();
        assertEquals(granted.error, null);
        const grantId = (granted.data as { id: string }).id;
        const intruderPath = `${intruder.profileId}/mine.png`;
        assertEquals(
          (await intruder.client.storage.from(BUCKET).upload(
            intruderPath,
            await sample("scanned-referral.png"),
            {
              contentType: "image/png",
            },
          )).error,
          null,
        );

        // B'S SECRETS: everything that must never appear in an answer to A unless A sent it.
        const [[page], ids] = await Promise.all([
          sql<{ line: string }[]>`
          select btrim(split_part(page_text, E'\n', 3)) as line from public.shell_file_pages
           where shell_file_id = ${shellFileId} and page_number = 1`,
          sql<{ id: string }[]>`
          select id::text from public.clinical_extractions where shell_file_id = ${shellFileId}
          union all select id::text from public.clinical_narratives where shell_file_id = ${shellFileId}
          union all select id::text from public.usage_events where profile_id = ${victim.profileId}
          union all select id::text from public.user_usage_tracking where profile_id = ${victim.profileId}`,
        ]);
        assert(page.line.length >= 10, `a line of the document's text to look for: "${page.line}"`);
        const secrets: Record<string, string> = {
          "B's user id": victim.userId,
          "B's email": victim.email,
          "B's profile id": victim.profileId,
          "B's file name": fileName,
          "B's shell file id": shellFileId,
          "B's job id": jobId,
          "B's grant id": grantId,
          "the carer's user id": carer.userId,
          "a line of B's document": page.line,
          "a clinical label of B's": "Community-acquired pneumonia",
        };
        ids.forEach((r, i) => (secrets[`B's row id #${i}`] = r.id));

        let checked = 0;
        /** 4xx or a 2xx that `sees` nothing; never 5xx; nothing of B's that the request did not carry. */
        const check = (
          what: string,
          a: Answer & { sent: string },
          expect?: { status?: number | number[] },
        ) => {
          checked++;
          assert(a.status < 500, `${what}: ${a.status} ${a.text}`);
          if (expect?.status !== undefined) {
            const allowed = Array.isArray(expect.status) ? expect.status : [expect.status];
            assert(
              allowed.includes(a.status),
              `${what}: expected ${allowed.join(" or ")}, got ${a.status} ${a.text}`,
            );
          }
          const sent = a.sent.toLowerCase();
          const text = a.text.toLowerCase();
          for (const [label, secret] of Object.entries(secrets)) {
            if (sent.includes(secret.toLowerCase())) continue;
            assert(
              !text.includes(secret.toLowerCase()),
              `${what}: the answer holds ${label}: ${a.text.slice(0, 500)}`,
            );
          }
        };
        /** The same refusal for the real target and a made-up one: no existence oracle. */
        const sameAnswer = (
          what: string,
          real: Answer,
          fake: Answer,
          pairs: Array<[string, string]>,
        ) => {
          let fakeText = fake.text;
          for (const [realValue, fakeValue] of pairs) {
            fakeText = fakeText.replaceAll(fakeValue, realValue);
          }
          assertEquals(
            [real.status, real.text],
            [fake.status, fakeText],
            `${what}: B's real target and a made-up one are told apart`,
          );
        };
        const made = {
          profile: crypto.randomUUID(),
          file: crypto.randomUUID(),
          job: crypto.randomUUID(),
          user: crypto.randomUUID(),
        };
        const as = intruder.token;

        // From here on nothing may be written: no cron tick either.
        pause = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
        const before = await writableState(sql);
        const victimDir = `${stack.config.storageDir}/${BUCKET}/${victim.profileId}`;
        const filesBefore = [...Deno.readDirSync(victimDir)].map((e) => e.name).sort();

        // 1. RPC ------------------------------------------------------------------------------
        await t.step("every function in public, called with B's ids", async () => {
          const fns = await sql<
            { name: string; args: string[] | null; types: string[]; executable: boolean }[]
          >`
          select p.proname as name,
                 -- input arguments only (a RETURNS TABLE function lists its columns too)
                 array(select a.n from unnest(p.proargnames, coalesce(p.proargmodes, array_fill('i'::"char", array[coalesce(cardinality(p.proargnames), 0)])))
                                       with ordinality a (n, m, o)
                        where a.m in ('i', 'b', 'v') order by a.o) as args,
                 array(select pg_catalog.format_type(t, null) from unnest(p.proargtypes) t) as types,
                 has_function_privilege('authenticated', p.oid, 'execute') as executable
            from pg_catalog.pg_proc p
           where p.pronamespace = 'public'::regnamespace and p.prokind = 'f'
             and not exists (select 1 from pg_catalog.pg_depend d
                              where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
             and not exists (select 1 from pg_catalog.pg_type rt where rt.oid = p.prorettype and rt.typname = 'trigger')
           order by 1`;
          assert(fns.length > 20, "the public RPCs were found");
          const uuidFor = (arg: string) =>
            /shell_file/.test(arg)
              ? shellFileId
              : /job/.test(arg)
              ? jobId
              : /user|actor|grantee/.test(arg)
              ? victim.userId
              : victim.profileId;
          const valueFor = (arg: string, type: string): unknown => {
            if (type === "uuid") return uuidFor(arg);
            if (type === "uuid[]") return [uuidFor(arg)];
            if (type === "jsonb" || type === "json") {
              return /events/.test(arg)
                ? [{
                  table_name: "shell_files",
                  record_id: shellFileId,
                  operation: "ACCESS",
                  patient_id: victim.profileId,
                  job_id: jobId,
                }]
                : { shell_file_id: shellFileId, patient_id: victim.profileId, job_id: jobId };
            }
            if (type === "text") {
              return /path/.test(arg)
                ? victimPath
                : /worker/.test(arg)
                ? "intruder-worker"
                : "shell_file_processing";
            }
            if (type === "text[]") return ["shell_file_processing"];
            if (/^(integer|bigint|smallint|numeric)$/.test(type)) return 1;
            if (type === "integer[]") return [1];
            if (type === "boolean") return true;
            if (/^timestamp/.test(type)) return new Date().toISOString();
            throw new Error(`no value for ${arg} ${type}: extend valueFor`);
          };
          // What the seven RPCs a user may call answer about B's ids (after the hardening of issue 5).
          const allowed: Record<string, number> = {
            get_processing_status: 404, // B's file is "not found"
            get_user_usage_status: 403,
            track_shell_file_upload_usage: 403,
            has_profile_access: 200, // false: a user may only ask about themselves
            is_admin: 200, // false
            is_service_role: 200, // false
          };
          for (const fn of fns) {
            const args = Object.fromEntries(
              (fn.args ?? []).map((a, i) => [a, valueFor(a, fn.types[i])]),
            );
            const res = await send(as, "POST", `/rest/v1/rpc/${fn.name}`, { body: args });
            if (!fn.executable) {
              check(`rpc ${fn.name}`, res, { status: 403 });
              assertEquals(res.json, {
                code: "42501",
                details: null,
                hint: null,
                message: `permission denied for function ${fn.name}`,
              });
              continue;
            }
            assert(
              fn.name in allowed,
              `${fn.name} is executable by authenticated: add what it answers about B's ids`,
            );
            check(`rpc ${fn.name}`, res, { status: allowed[fn.name] });
            if (res.status === 200) assertEquals(res.json, false, `${fn.name} says no`);
          }
        });

        await t.step("the user-callable RPCs: B's ids answer as made-up ones do", async () => {
          const rpc = (name: string, args: Record<string, unknown>) =>
            send(as, "POST", `/rest/v1/rpc/${name}`, { body: args });
          const rpcGet = (name: string, query: string) =>
            send(as, "GET", `/rest/v1/rpc/${name}?${query}`);
          const pairs: Array<[string, string]> = [[shellFileId, made.file], [
            victim.profileId,
            made.profile,
          ], [victim.userId, made.user]];
          const cases: Array<
            [
              string,
              () => Promise<Answer & { sent: string }>,
              () => Promise<Answer & { sent: string }>,
            ]
          > = [
            [
              "get_processing_status(B's file)",
              () => rpc("get_processing_status", { p_shell_file_id: shellFileId }),
              () => rpc("get_processing_status", { p_shell_file_id: made.file }),
            ],
            [
              "GET get_processing_status(B's file)",
              () => rpcGet("get_processing_status", `p_shell_file_id=${shellFileId}`),
              () => rpcGet("get_processing_status", `p_shell_file_id=${made.file}`),
            ],
            [
              "get_user_usage_status(B's profile)",
              () => rpc("get_user_usage_status", { p_profile_id: victim.profileId }),
              () => rpc("get_user_usage_status", { p_profile_id: made.profile }),
            ],
            [
              "track_shell_file_upload_usage(B's profile, B's file)",
              () =>
                rpc("track_shell_file_upload_usage", {
                  p_profile_id: victim.profileId,
                  p_shell_file_id: shellFileId,
                }),
              () =>
                rpc("track_shell_file_upload_usage", {
                  p_profile_id: made.profile,
                  p_shell_file_id: made.file,
                }),
            ],
            [
              "track_shell_file_upload_usage(A's profile, B's file)",
              () =>
                rpc("track_shell_file_upload_usage", {
                  p_profile_id: intruder.profileId,
                  p_shell_file_id: shellFileId,
                }),
              () =>
                rpc("track_shell_file_upload_usage", {
                  p_profile_id: intruder.profileId,
                  p_shell_file_id: made.file,
                }),
            ],
            [
              "has_profile_access(B, B's profile)",
              () =>
                rpc("has_profile_access", {
                  p_user_id: victim.userId,
                  p_profile_id: victim.profileId,
                }),
              () => rpc("has_profile_access", { p_user_id: made.user, p_profile_id: made.profile }),
            ],
            [
              "has_profile_access(the carer, B's profile)",
              () =>
                rpc("has_profile_access", {
                  p_user_id: carer.userId,
                  p_profile_id: victim.profileId,
                }),
              () =>
                rpc("has_profile_access", { p_user_id: made.user, p_profile_id: victim.profileId }),
            ],
            [
              "has_profile_access(A, B's profile)",
              () =>
                rpc("has_profile_access", {
                  p_user_id: intruder.userId,
                  p_profile_id: victim.profileId,
                }),
              () =>
                rpc("has_profile_access", {
                  p_user_id: intruder.userId,
                  p_profile_id: made.profile,
                }),
            ],
          ];
          for (const [what, real, fake] of cases) {
            const [r, f] = [await real(), await fake()];
            check(what, r, { status: [200, 403, 404] });
            sameAnswer(what, r, f, [...pairs, [carer.userId, made.user]]);
            if (r.status === 200) assertEquals(r.json, false, what);
          }
        });

        // 2. REST ON TABLES -------------------------------------------------------------------
        await t.step(
          "every table in public: select, embed, count, update, delete on B's ids",
          async () => {
            const tables = await sql<{ name: string; readable: boolean; uuids: string[] }[]>`
          select c.relname as name, has_table_privilege('authenticated', c.oid, 'select') as readable,
                 array(select a.attname::text from pg_catalog.pg_attribute a
                        where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                          and a.atttypid = 'uuid'::regtype order by a.attnum) as uuids
            from pg_catalog.pg_class c
           where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p', 'v', 'm')
           order by 1`;
            const victimIds = [
              victim.profileId,
              victim.userId,
              shellFileId,
              jobId,
              grantId,
              carer.userId,
            ];
            for (const table of tables) {
              // Unfiltered: only A's own rows (the leak check reads every byte).
              const all = await send(as, "GET", `/rest/v1/${table.name}?select=*`);
              check(`GET ${table.name}`, all, { status: table.readable ? 200 : 403 });
              if (!table.readable) {
                assertEquals((all.json as { code?: string }).code, "42501", all.text);
                for (const method of ["PATCH", "DELETE"]) {
                  check(
                    `${method} ${table.name}`,
                    await send(
                      as,
                      method,
                      `/rest/v1/${table.name}?id=eq.${victim.profileId}`,
                      method === "PATCH" ? { body: {} } : {},
                    ),
                    { status: [400, 403] },
                  );
                }
                continue;
              }
              for (const column of table.uuids) {
                for (const id of victimIds) {
                  const filtered = await send(
                    as,
                    "GET",
                    `/rest/v1/${table.name}?${column}=eq.${id}`,
                  );
                  check(`GET ${table.name}?${column}=eq.<B>`, filtered, { status: 200 });
                  assertEquals(
                    filtered.json,
                    [],
                    `${table.name}.${column} = one of B's ids: A sees nothing`,
                  );
                }
                const orFilter = await send(
                  as,
                  "GET",
                  `/rest/v1/${table.name}?or=(${
                    victimIds.map((id) => `${column}.eq.${id}`).join(",")
                  })`,
                );
                check(`GET ${table.name} or=(...)`, orFilter, { status: 200 });
                assertEquals(orFilter.json, []);
                const counted = await send(
                  as,
                  "HEAD",
                  `/rest/v1/${table.name}?${column}=in.(${victimIds.join(",")})`,
                  { headers: { Prefer: "count=exact" } },
                );
                check(`HEAD ${table.name} count`, counted, { status: 200 });
                assertEquals(
                  counted.headers.get("content-range"),
                  "*/0",
                  `${table.name}.${column}: B's rows are not even counted`,
                );
                const patched = await send(
                  as,
                  "PATCH",
                  `/rest/v1/${table.name}?${column}=in.(${victimIds.join(",")})`,
                  {
                    body: table.name === "user_profiles"
                      ? { display_name: "hijacked" }
                      : table.name === "profile_access_grants"
                      ? { grantee_id: intruder.userId, access_level: "full", revoked_at: null }
                      : { created_at: new Date().toISOString() },
                    headers: { Prefer: "return=representation" },
                  },
                );
                check(`PATCH ${table.name}?${column}=<B>`, patched, { status: [200, 403] });
                if (patched.status === 200) {
                  assertEquals(patched.json, [], `PATCH ${table.name}.${column}: nothing updated`);
                }
                const deleted = await send(
                  as,
                  "DELETE",
                  `/rest/v1/${table.name}?${column}=in.(${victimIds.join(",")})`,
                  { headers: { Prefer: "return=representation" } },
                );
                check(`DELETE ${table.name}?${column}=<B>`, deleted, { status: [200, 403] });
                if (deleted.status === 200) {
                  assertEquals(deleted.json, [], `DELETE ${table.name}.${column}: nothing deleted`);
                }
              }
            }
            // Embedding across the foreign keys, from both ends.
            for (
              const path of [
                `user_profiles?select=*,shell_files(*,shell_file_pages(*),clinical_extractions(*),clinical_narratives(*))&id=eq.${victim.profileId}`,
                `shell_files?select=*,user_profiles(*),shell_file_pages(*)`,
                `clinical_extractions?select=*,shell_files(*),user_profiles(*)`,
                `usage_events?select=*,user_profiles(*)`,
                `profile_access_grants?select=*,user_profiles(*)`,
              ]
            ) {
              const res = await send(as, "GET", `/rest/v1/${path}`);
              check(`GET ${path}`, res, { status: 200 });
            }
          },
        );

        await t.step(
          "inserts naming B's profile, user or rows are refused, told apart from nothing",
          async () => {
            // Made-up ids of its own: should a made-up insert succeed, no later step meets its row.
            const made = {
              profile: crypto.randomUUID(),
              file: crypto.randomUUID(),
              user: crypto.randomUUID(),
            };
            const insert = (
              table: string,
              row: Record<string, unknown>,
              prefer = "return=minimal",
            ) => send(as, "POST", `/rest/v1/${table}`, { body: row, headers: { Prefer: prefer } });
            const cases: Array<[string, string, Record<string, unknown>, Record<string, unknown>]> =
              [
                ["a profile owned by B", "user_profiles", {
                  account_owner_id: victim.userId,
                  profile_type: "child",
                  display_name: "planted",
                }, { account_owner_id: made.user, profile_type: "child", display_name: "planted" }],
                ["A's profile under B's profile id", "user_profiles", {
                  id: victim.profileId,
                  account_owner_id: intruder.userId,
                  profile_type: "pet",
                  display_name: "x",
                }, {
                  id: made.profile,
                  account_owner_id: intruder.userId,
                  profile_type: "pet",
                  display_name: "x",
                }],
                ["A's grant to B's profile", "profile_access_grants", {
                  profile_id: victim.profileId,
                  grantee_id: intruder.userId,
                  access_level: "full",
                }, { profile_id: made.profile, grantee_id: intruder.userId, access_level: "full" }],
                ["a grant of A's profile signed as granted by B", "profile_access_grants", {
                  profile_id: intruder.profileId,
                  grantee_id: intruder.userId,
                  access_level: "read",
                  granted_by: victim.userId,
                }, {
                  profile_id: intruder.profileId,
                  grantee_id: intruder.userId,
                  access_level: "read",
                  granted_by: made.user,
                }],
                ["B's grant id reused", "profile_access_grants", {
                  id: grantId,
                  profile_id: victim.profileId,
                  grantee_id: intruder.userId,
                  access_level: "read",
                }, {
                  id: made.file,
                  profile_id: made.profile,
                  grantee_id: intruder.userId,
                  access_level: "read",
                }],
                ["a shell file in B's profile", "shell_files", {
                  patient_id: victim.profileId,
                  storage_path: victimPath,
                  original_filename: "x.pdf",
                  mime_type: PDF,
                  file_size_bytes: 1,
                }, {
                  patient_id: made.profile,
                  storage_path: `${made.profile}/x.pdf`,
                  original_filename: "x.pdf",
                  mime_type: PDF,
                  file_size_bytes: 1,
                }],
                ["a page of B's file", "shell_file_pages", {
                  shell_file_id: shellFileId,
                  page_number: 9,
                  patient_id: victim.profileId,
                  text_source: "ocr",
                  page_text: "planted",
                }, {
                  shell_file_id: made.file,
                  page_number: 9,
                  patient_id: made.profile,
                  text_source: "ocr",
                  page_text: "planted",
                }],
                ["a clinical item on B's file", "clinical_extractions", {
                  shell_file_id: shellFileId,
                  page_number: 1,
                  item_index: 99,
                  patient_id: victim.profileId,
                  category: "allergy",
                  label: "planted",
                  model: "m",
                }, {
                  shell_file_id: made.file,
                  page_number: 1,
                  item_index: 99,
                  patient_id: made.profile,
                  category: "allergy",
                  label: "planted",
                  model: "m",
                }],
                ["usage for B's profile", "usage_events", {
                  profile_id: victim.profileId,
                  event_type: "shell_file_uploaded",
                  shell_file_id: shellFileId,
                }, {
                  profile_id: made.profile,
                  event_type: "shell_file_uploaded",
                  shell_file_id: made.file,
                }],
                ["an audit row about B", "audit_log", {
                  table_name: "shell_files",
                  record_id: shellFileId,
                  operation: "ACCESS",
                  patient_id: victim.profileId,
                  actor_role: "service_role",
                }, {
                  table_name: "shell_files",
                  record_id: made.file,
                  operation: "ACCESS",
                  patient_id: made.profile,
                  actor_role: "service_role",
                }],
                ["a job for B's file", "job_queue", {
                  job_type: "shell_file_processing",
                  job_lane: "standard",
                  job_name: "x",
                  job_payload: { shell_file_id: shellFileId },
                  patient_id: victim.profileId,
                  shell_file_id: shellFileId,
                }, {
                  job_type: "shell_file_processing",
                  job_lane: "standard",
                  job_name: "x",
                  job_payload: { shell_file_id: made.file },
                  patient_id: made.profile,
                  shell_file_id: made.file,
                }],
              ];
            const pairs: Array<[string, string]> = [
              [victim.profileId, made.profile],
              [victim.userId, made.user],
              [shellFileId, made.file],
              [grantId, made.file],
            ];
            for (const [what, table, real, fake] of cases) {
              for (const prefer of ["return=minimal", "return=representation"]) {
                const r = await insert(table, real, prefer);
                const f = await insert(table, fake, prefer);
                check(`insert ${what} (${prefer})`, r, { status: [401, 403] });
                sameAnswer(`insert ${what} (${prefer})`, r, f, pairs);
              }
            }
            // Upserts that would land on B's rows.
            const upsert = await send(as, "POST", `/rest/v1/user_profiles?on_conflict=id`, {
              body: {
                id: victim.profileId,
                account_owner_id: intruder.userId,
                profile_type: "pet",
                display_name: "x",
              },
              headers: { Prefer: "resolution=merge-duplicates,return=minimal" },
            });
            check("upsert onto B's profile", upsert, { status: [401, 403] });
            // A's own profile renamed to B's id.
            const renamed = await send(
              as,
              "PATCH",
              `/rest/v1/user_profiles?id=eq.${intruder.profileId}`,
              {
                body: { id: victim.profileId },
                headers: { Prefer: "return=minimal" },
              },
            );
            const renamedFake = await send(
              as,
              "PATCH",
              `/rest/v1/user_profiles?id=eq.${intruder.profileId}`,
              {
                body: { id: crypto.randomUUID() },
                headers: { Prefer: "return=minimal" },
              },
            );
            check("A's profile id changed to B's", renamed, { status: [401, 403] });
            check("A's profile id changed to a made-up one", renamedFake, { status: [401, 403] });
            assertEquals(
              renamed.text,
              renamedFake.text,
              "A's profile id changed to B's: told apart from a made-up id",
            );
          },
        );

        // 3. EDGE FUNCTIONS -------------------------------------------------------------------
        await t.step("intake with B's profile and B's path", async () => {
          const intake = (body: Record<string, unknown>) =>
            send(as, "POST", "/functions/v1/shell-file-processor-v3", {
              body: { mime_type: PDF, idempotency_key: `xp-${crypto.randomUUID()}`, ...body },
            });
          const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, number]> = [
            ["B's profile, B's file", { profile_id: victim.profileId, storage_path: victimPath }, {
              profile_id: made.profile,
              storage_path: `${made.profile}/${fileName}`,
            }, 403],
            [
              "B's profile, a name that does not exist in B's folder",
              { profile_id: victim.profileId, storage_path: `${victim.profileId}/nope.pdf` },
              { profile_id: made.profile, storage_path: `${made.profile}/nope.pdf` },
              403,
            ],
            [
              "A's profile, B's file",
              { profile_id: intruder.profileId, storage_path: victimPath },
              { profile_id: intruder.profileId, storage_path: `${made.profile}/${fileName}` },
              400,
            ],
            // The path is checked against the profile before access: a 400 for any profile.
            [
              "B's profile, A's file",
              { profile_id: victim.profileId, storage_path: intruderPath },
              { profile_id: made.profile, storage_path: intruderPath },
              400,
            ],
          ];
          for (const [what, real, fake, status] of cases) {
            const r = await intake(real);
            const f = await intake(fake);
            check(`intake: ${what}`, r, { status });
            assertEquals([r.status, (r.json as { error: { code: string } }).error.code], [
              f.status,
              (f.json as { error: { code: string } }).error.code,
            ], `intake: ${what}: B's real profile/file and made-up ones answer alike`);
          }
        });

        await t.step("audit events about B's patient or B's job", async () => {
          const audit = (events: unknown[]) =>
            send(as, "POST", "/functions/v1/audit-logger-v3", { body: { events } });
          const event = (extra: Record<string, unknown>) => ({
            table_name: "shell_files",
            record_id: "viewed",
            operation: "ACCESS",
            ...extra,
          });
          const cases: Array<[string, unknown[], unknown[], string]> = [
            ["B's patient", [event({ patient_id: victim.profileId })], [
              event({ patient_id: made.profile }),
            ], "events[0].patient_id"],
            [
              "B's patient after one of A's",
              [event({ patient_id: intruder.profileId }), event({ patient_id: victim.profileId })],
              [event({ patient_id: intruder.profileId }), event({ patient_id: made.profile })],
              "events[1].patient_id",
            ],
            [
              "B's job, no patient",
              [event({ job_id: jobId })],
              [event({ job_id: made.job })],
              "events[0].job_id",
            ],
            [
              "A's patient with B's job",
              [event({ patient_id: intruder.profileId, job_id: jobId })],
              [event({ patient_id: intruder.profileId, job_id: made.job })],
              "events[0].job_id",
            ],
          ];
          for (const [what, real, fake, field] of cases) {
            const r = await audit(real);
            const f = await audit(fake);
            check(`audit: ${what}`, r, { status: 403 });
            assertEquals((r.json as { error: { field?: string } }).error.field, field, r.text);
            sameAnswer(`audit: ${what}`, r, f, [[victim.profileId, made.profile], [
              jobId,
              made.job,
            ]]);
          }
        });

        // 4. STORAGE --------------------------------------------------------------------------
        await t.step(
          "Storage: every operation on B's folder, against a made-up name in it",
          async () => {
            const fakePath = `${victim.profileId}/${fileName.replace("victim", "absent")}`;
            const obj = (p: string) => `/storage/v1/object/${BUCKET}/${p}`;
            const png = new Blob([await sample("scanned-referral.png") as Uint8Array<ArrayBuffer>]);
            type Op = [string, (p: string) => Promise<Answer & { sent: string }>, number[]];
            const ops: Op[] = [
              ["download", (p) => send(as, "GET", obj(p)), [400]],
              [
                "download (authenticated route)",
                (p) => send(as, "GET", `/storage/v1/object/authenticated/${BUCKET}/${p}`),
                [400],
              ],
              ["HEAD", (p) => send(as, "HEAD", obj(p)), [400]],
              ["info", (p) => send(as, "GET", `/storage/v1/object/info/${BUCKET}/${p}`), [400]],
              [
                "sign",
                (p) =>
                  send(as, "POST", `/storage/v1/object/sign/${BUCKET}/${p}`, {
                    body: { expiresIn: 60 },
                  }),
                [400],
              ],
              [
                "sign many",
                (p) =>
                  send(as, "POST", `/storage/v1/object/sign/${BUCKET}`, {
                    body: { expiresIn: 60, paths: [p] },
                  }),
                [200],
              ],
              ["public URL", (p) => send(as, "GET", `/storage/v1/object/public/${BUCKET}/${p}`), [
                400,
              ]],
              [
                "upload",
                (p) =>
                  send(as, "POST", obj(p), { raw: png, headers: { "Content-Type": "image/png" } }),
                [400],
              ],
              [
                "upsert",
                (p) =>
                  send(as, "POST", obj(p), {
                    raw: png,
                    headers: { "Content-Type": "image/png", "x-upsert": "true" },
                  }),
                [400],
              ],
              [
                "update (PUT)",
                (p) =>
                  send(as, "PUT", obj(p), { raw: png, headers: { "Content-Type": "image/png" } }),
                [400],
              ],
              [
                "move out to A's folder",
                (p) =>
                  send(as, "POST", "/storage/v1/object/move", {
                    body: {
                      bucketId: BUCKET,
                      sourceKey: p,
                      destinationKey: `${intruder.profileId}/stolen.pdf`,
                    },
                  }),
                [400],
              ],
              [
                "move A's file onto it",
                (p) =>
                  send(as, "POST", "/storage/v1/object/move", {
                    body: { bucketId: BUCKET, sourceKey: intruderPath, destinationKey: p },
                  }),
                [400],
              ],
              [
                "copy out to A's folder",
                (p) =>
                  send(as, "POST", "/storage/v1/object/copy", {
                    body: {
                      bucketId: BUCKET,
                      sourceKey: p,
                      destinationKey: `${intruder.profileId}/copied.pdf`,
                    },
                  }),
                [400],
              ],
              [
                "copy A's file onto it",
                (p) =>
                  send(as, "POST", "/storage/v1/object/copy", {
                    body: { bucketId: BUCKET, sourceKey: intruderPath, destinationKey: p },
                  }),
                [400],
              ],
              [
                "copy A's file onto it, upsert",
                (p) =>
                  send(as, "POST", "/storage/v1/object/copy", {
                    body: { bucketId: BUCKET, sourceKey: intruderPath, destinationKey: p },
                    headers: { "x-upsert": "true" },
                  }),
                [400],
              ],
              ["remove", (p) => send(as, "DELETE", obj(p)), [400]],
              [
                "remove many",
                (p) =>
                  send(as, "DELETE", `/storage/v1/object/${BUCKET}`, { body: { prefixes: [p] } }),
                [200],
              ],
            ];
            for (const [what, op, statuses] of ops) {
              const real = await op(victimPath);
              const fake = await op(fakePath);
              check(`storage ${what}`, real, { status: statuses });
              sameAnswer(`storage ${what}`, real, fake, [[victimPath, fakePath], [
                fileName,
                fakePath.split("/")[1],
              ]]);
              if (real.status === 200) {
                const rows = real.json as Array<{ signedURL?: string | null }>;
                assert(
                  rows.every((r) => !r.signedURL),
                  `storage ${what}: nothing signed or removed: ${real.text}`,
                );
              }
            }
            // Listing B's folder, by prefix and by search; and the root: only A's own folder.
            for (
              const body of [{ prefix: victim.profileId }, { prefix: `${victim.profileId}/` }, {
                prefix: "",
                search: fileName,
              }, { prefix: victim.profileId, search: "victim" }]
            ) {
              const listed = await send(as, "POST", `/storage/v1/object/list/${BUCKET}`, {
                body: { limit: 100, offset: 0, ...body },
              });
              check(`storage list ${JSON.stringify(body)}`, listed, { status: 200 });
              assertEquals(listed.json, [], `listing ${JSON.stringify(body)} shows nothing of B's`);
            }
            const root = await send(as, "POST", `/storage/v1/object/list/${BUCKET}`, {
              body: { prefix: "", limit: 100, offset: 0 },
            });
            check("storage list of the root", root, { status: 200 });
            assertEquals((root.json as Array<{ name: string }>).map((e) => e.name), [
              intruder.profileId,
            ]);
            // A signed URL for B's file, forged with another secret or for another object.
            const forged = await signJwt({
              url: `${BUCKET}/${victimPath}`,
              exp: Math.floor(Date.now() / 1000) + 600,
            }, "x".repeat(40));
            check(
              "storage forged signed URL",
              await send(
                as,
                "GET",
                `/storage/v1/object/sign/${BUCKET}/${victimPath}?token=${forged}`,
              ),
              { status: 400 },
            );
            const mine = await send(
              as,
              "POST",
              `/storage/v1/object/sign/${BUCKET}/${intruderPath}`,
              { body: { expiresIn: 60 } },
            );
            assertEquals(mine.status, 200, mine.text);
            const token = new URL(`http://x${(mine.json as { signedURL: string }).signedURL}`)
              .searchParams.get("token");
            check(
              "storage A's signed token used for B's file",
              await send(
                as,
                "GET",
                `/storage/v1/object/sign/${BUCKET}/${victimPath}?token=${token}`,
              ),
              { status: 400 },
            );
            // The bucket itself: invisible to users, so no one can empty, delete or open it.
            for (
              const [what, method, path, body] of [
                ["get bucket", "GET", `/storage/v1/bucket/${BUCKET}`, undefined],
                ["list buckets", "GET", `/storage/v1/bucket`, undefined],
                ["empty bucket", "POST", `/storage/v1/bucket/${BUCKET}/empty`, {}],
                ["make the bucket public", "PUT", `/storage/v1/bucket/${BUCKET}`, { public: true }],
                ["delete bucket", "DELETE", `/storage/v1/bucket/${BUCKET}`, undefined],
                ["create a public bucket", "POST", `/storage/v1/bucket`, {
                  id: "xp-open",
                  name: "xp-open",
                  public: true,
                }],
              ] as Array<[string, string, string, unknown]>
            ) {
              const res = await send(as, method, path, body === undefined ? {} : { body });
              check(`storage ${what}`, res, { status: [200, 400] });
              if (res.status === 200) assertEquals(res.json, [], `${what}: no bucket is visible`);
            }
          },
        );

        // NOTHING WRITTEN: every table, and B's files on disk.
        await assertNothingWritten(sql, before, "after every cross-profile attempt");
        assertEquals(
          [...Deno.readDirSync(victimDir)].map((e) => e.name).sort(),
          filesBefore,
          "B's files on disk unchanged",
        );
        assert(checked > 200, `${checked} answers checked`);
        console.log(`${checked} answers checked for refusal, status and leaks`);

        // AN IDEMPOTENCY KEY IS THE SUBMITTER'S OWN: A reusing the key B's app derived for B's file
        // (sha256 of the path, as scripts/lib/documents.ts does) neither learns that B submitted it
        // nor blocks B: A's own upload is registered under A's key space.
        await t.step(
          "A's upload with the idempotency key of B's file is A's own, and tells nothing of B",
          async () => {
            const [victimFile] = await sql<
              { idempotency_key: string }[]
            >`select idempotency_key from public.shell_files where id = ${shellFileId}`;
            const mine = await requestIntake(endpoints, intruder, {
              profile_id: intruder.profileId,
              storage_path: intruderPath,
              mime_type: "image/png",
              idempotency_key: victimFile.idempotency_key,
            });
            assertEquals([mine.status, mine.body.created], [201, true], JSON.stringify(mine.body));
            const rows =
              await sql`select id::text, patient_id::text from public.shell_files where idempotency_key = ${victimFile.idempotency_key} order by created_at`;
            assertEquals(rows.map((r) => r.patient_id), [victim.profileId, intruder.profileId]);
            assertEquals(rows[0].id, shellFileId, "B's file untouched");
          },
        );
      } finally {
        await pause?.restore();
        await users.cleanup();
      }
    }),
);
