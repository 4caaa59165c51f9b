// Bad input, generated (fast-check): the intake function (shell-file-processor-v3), the audit
// function (audit-logger-v3) and every public RPC a signed-in user may call through PostgREST
// are sent wrong types, empty and huge values, unicode (lone surrogates, NUL, right-to-left
// marks, astral characters), SQL metacharacters, extra and missing fields, bodies of several
// MB, wrong content types and non-JSON. Every answer must be:
//   - a 4xx, never a 5xx (or a 2xx when the generated request happens to be valid);
//   - naming the offending field: the functions' {error: {code, message, field}}, where field
//     is the one that was broken (or "body" for the body as a whole; codes that always concern
//     one field must name that one); the RPCs' PostgREST error with our
//     "<function>: <what>" message naming the parameter, or PostgREST's own 4xx for what never
//     reaches the function (a wrong type, an unknown argument, unparseable JSON);
//   - writing nothing (tests/support/row_counts.ts, read before and after every request);
// and each service must still answer a valid request afterwards, with /_stack/health ok.
//
// Replaying a failure: fast-check prints the seed and the path of the failing case; run again
// with FC_SEED=<seed> FC_PATH=<path> (this file also prints the seed each property starts with).
// FC_RUNS=<n> scales every property's number of runs (default 1: the numbers below, chosen so
// the file takes well under 90 s).

import { assert, assertEquals } from "@std/assert";
import fc from "fast-check";
import { BUCKET, requestIntake } from "../../scripts/lib/documents.ts";
import {
  accounts,
  endpoints,
  overrideConfig,
  sample,
  stack,
  withSql,
} from "../support/pipeline.ts";
import { assertNothingWritten, writableState } from "../support/row_counts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PDF = "application/pdf";
const INTAKE = `${stack.url}/functions/v1/shell-file-processor-v3`;
const AUDIT = `${stack.url}/functions/v1/audit-logger-v3`;

// --- replay -----------------------------------------------------------------------------------

const SCALE = Number(Deno.env.get("FC_RUNS") ?? "1");
function params(name: string, numRuns: number): fc.Parameters<unknown> {
  const seed = Deno.env.get("FC_SEED")
    ? Number(Deno.env.get("FC_SEED"))
    : (Date.now() ^ (Math.random() * 2 ** 31)) | 0;
  const path = Deno.env.get("FC_PATH");
  console.log(
    `fast-check "${name}": seed ${seed}${path ? `, path ${path}` : ""} (replay: FC_SEED=${seed})`,
  );
  return {
    seed,
    ...(path ? { path } : {}),
    numRuns: Math.max(1, Math.round(numRuns * SCALE)),
    endOnFailure: false,
  };
}

// --- hostile values ---------------------------------------------------------------------------

/** Pieces that have broken parsers, SQL and paths before: glued together by `hostileText`. */
const PIECES = [
  "'",
  '"',
  ";",
  "--",
  "/*",
  "*/",
  "\\",
  "%",
  "_",
  "?",
  "#",
  "..",
  "...",
  "/",
  "//",
  " ",
  "\t",
  "\n",
  "\r\n",
  "\u0000",
  "\u0007",
  "\u001b",
  "\u007f",
  "\u0085",
  "\u009f",
  "\u00a0",
  "\u2028",
  "\u2029",
  "\ufeff",
  "\u200b",
  "\ud800",
  "\udfff",
  "\u202e",
  "\u202d",
  "e\u0301",
  "😀",
  "𝔘",
  "ß",
  "İ",
  "日本",
  "عربى",
  "<script>",
  "${x}",
  "' OR 1=1 --",
  "'); DROP TABLE public.shell_files; --",
  "$$",
  "E'\\x00'",
  "%00",
  "%2e%2e%2f",
  "\\u0000",
  "null",
  "true",
  "{}",
  "[]",
  "NaN",
  "-0",
  "1e999",
  "a",
  "Z",
  "0",
  "-",
];
const hostileText = fc.array(fc.constantFrom(...PIECES), { minLength: 1, maxLength: 10 }).map((p) =>
  p.join("")
);

/** Any value a JSON field could be sent as, valid or not. */
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constant(""),
  fc.constant("   "),
  hostileText,
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.integer({ min: 201, max: 20_000 }).map((n) => "x".repeat(n)),
  fc.uuid(),
  fc.uuid().map((u) => u.toUpperCase()),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** `arb` one time in four, else undefined (fc.option builds a value four times in five). */
function sometimes<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

interface Answer {
  status: number;
  text: string;
  json: {
    error?: { code?: string; message?: string; field?: string };
    code?: string;
    message?: string;
  } | null;
}

async function send(url: string, init: RequestInit): Promise<Answer> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Answer["json"] = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch { /* the caller asserts on the text */ }
  return { status: res.status, text, json };
}

/** The function error shape, and never a 5xx or a stack trace. */
function assertFunctionRefusal(
  a: Answer,
  what: string,
): { code: string; message: string; field?: string } {
  assert(
    a.status >= 400 && a.status < 500,
    `${what}: expected a 4xx, got ${a.status} ${a.text.slice(0, 300)}`,
  );
  const error = a.json?.error;
  assert(
    error && typeof error.code === "string" && typeof error.message === "string",
    `${what}: {error: {code, message}} expected: ${a.text.slice(0, 300)}`,
  );
  assert(!a.text.includes("    at "), `${what}: no stack trace`);
  return error as { code: string; message: string; field?: string };
}

async function healthy() {
  const res = await fetch(`${stack.url}/_stack/health`);
  const body = await res.json();
  assertEquals([res.status, body.ok], [200, true], JSON.stringify(body));
}

// Every test pauses the dispatcher: a valid request queues a job, and a worker processing it
// would change the tables between two snapshots.
async function fixture<T>(
  fn: (
    sql: Parameters<Parameters<typeof withSql>[0]>[0],
    users: ReturnType<typeof accounts>,
  ) => Promise<T>,
) {
  await withSql(async (sql) => {
    const pause = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
    const users = accounts(sql);
    try {
      await fn(sql, users);
    } finally {
      await users.cleanup();
      await pause.restore();
    }
  });
}

// =============================================================================================
// INTAKE
// =============================================================================================

const INTAKE_FIELDS = [
  "profile_id",
  "storage_path",
  "original_filename",
  "mime_type",
  "idempotency_key",
] as const;
/** Refusals that always concern one field, whatever was broken. */
const INTAKE_FIELD_OF_CODE: Record<string, string | undefined> = {
  no_profile_access: "profile_id",
  object_not_found: "storage_path",
  file_too_large: "storage_path",
  empty_file: "storage_path",
  unsupported_mime_type: "mime_type",
  already_submitted: "storage_path",
  idempotency_conflict: "idempotency_key",
  body_too_large: undefined,
};

Deno.test(
  "intake: generated bodies get a 4xx naming the broken field, and write nothing",
  opts,
  () =>
    fixture(async (sql, users) => {
      const owner = await users.create("prop-intake");
      const path = `${owner.profileId}/letter.pdf`;
      assertEquals(
        (await owner.client.storage.from(BUCKET).upload(
          path,
          await sample("discharge-summary.pdf"),
          { contentType: PDF },
        )).error,
        null,
      );
      const valid = () => ({
        profile_id: owner.profileId,
        storage_path: path,
        original_filename: "letter.pdf",
        mime_type: PDF,
        idempotency_key: `prop-${crypto.randomUUID()}`,
      });
      const first = await requestIntake(endpoints, owner, valid());
      assertEquals(first.status, 201, JSON.stringify(first.body));
      let before = await writableState(sql);

      const mutation = fc.record({
        changed: fc.dictionary(fc.constantFrom(...INTAKE_FIELDS), hostileValue, {
          minKeys: 1,
          maxKeys: 3,
        }),
        removed: fc.subarray([...INTAKE_FIELDS], { maxLength: 2 }),
        extra: sometimes(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileValue)),
        header: sometimes(fc.string({
          // What Deno's fetch sends in a header: visible ASCII and Latin-1 (the C1 range
          // included), not DEL or other controls, nor an empty value.
          unit: fc.oneof(fc.integer({ min: 0x21, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }))
            .map((c) => String.fromCharCode(c)),
          minLength: 1,
          maxLength: 220,
        })),
      });
      await fc.assert(
        fc.asyncProperty(mutation, async (m) => {
          const body: Record<string, unknown> = valid();
          for (const f of m.removed) delete body[f];
          Object.assign(body, m.changed);
          if (m.extra && !(INTAKE_FIELDS as readonly string[]).includes(m.extra[0])) {
            body[m.extra[0]] = m.extra[1];
          }
          const headers: Record<string, string> = {
            Authorization: `Bearer ${owner.token}`,
            "Content-Type": "application/json",
          };
          if (m.header !== undefined) headers["Idempotency-Key"] = m.header;
          const res = await send(INTAKE, { method: "POST", headers, body: JSON.stringify(body) });
          if (res.status === 200 || res.status === 201) {
            before = await writableState(sql); // a valid request after all: its writes are expected
            return;
          }
          const error = assertFunctionRefusal(res, `intake ${JSON.stringify(body).slice(0, 200)}`);
          const touched = new Set<string>([...Object.keys(m.changed), ...m.removed, "body"]);
          // A header and a body key that differ are refused on idempotency_key.
          if (m.header !== undefined) touched.add("Idempotency-Key").add("idempotency_key");
          // The path is checked against the profile: another profile_id makes it wrong too.
          if (touched.has("profile_id")) touched.add("storage_path");
          if (error.code === "invalid_request") {
            assert(
              error.field !== undefined && touched.has(error.field),
              `field ${error.field} is not one that was broken (${[...touched]}): ${res.text}`,
            );
            assert(
              error.message.startsWith(error.field!) || error.field === "Idempotency-Key" ||
                error.message.includes(error.field!),
              `the message names the field: ${res.text}`,
            );
          } else {
            assert(error.code in INTAKE_FIELD_OF_CODE, `an unexpected refusal: ${res.text}`);
            assertEquals(error.field, INTAKE_FIELD_OF_CODE[error.code], res.text);
          }
          await assertNothingWritten(sql, before, `intake ${res.status} ${error.code}`);
        }),
        params("intake bodies", 60),
      );

      await healthy();
      const again = await requestIntake(endpoints, owner, valid());
      assertEquals(
        again.status,
        409,
        `the intake still answers a valid request (409: the file is already submitted): ${
          JSON.stringify(again.body)
        }`,
      );
    }),
);

Deno.test(
  "intake: any object name Storage accepts gets a 2xx or a 4xx from the intake, never a 5xx",
  opts,
  () =>
    fixture(async (sql, users) => {
      const owner = await users.create("prop-names");
      const bytes = await sample("discharge-summary.pdf");
      const name = fc.array(
        fc.oneof(hostileText, fc.string({ unit: "grapheme", minLength: 1, maxLength: 12 })),
        { minLength: 1, maxLength: 3 },
      )
        .map((segments) => segments.join("/"));
      let accepted = 0;
      let run = 0;
      await fc.assert(
        fc.asyncProperty(name, async (n) => {
          // A folder per run: a name tried again while shrinking is not refused as existing.
          const path = `${owner.profileId}/${++run}/${n}`;
          const uploaded = await owner.client.storage.from(BUCKET).upload(path, bytes, {
            contentType: PDF,
          });
          if (uploaded.error) return; // a name Storage refuses never reaches the intake
          accepted++;
          const before = await writableState(sql);
          const res = await send(INTAKE, {
            method: "POST",
            headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
            body: JSON.stringify({
              profile_id: owner.profileId,
              storage_path: path,
              mime_type: PDF,
              idempotency_key: `names-${crypto.randomUUID()}`,
            }),
          });
          if (res.status === 201) return;
          const error = assertFunctionRefusal(
            res,
            `intake of the stored object ${JSON.stringify(path)}`,
          );
          assertEquals(error.field, "storage_path", res.text);
          await assertNothingWritten(sql, before, `intake of ${JSON.stringify(path)}`);
        }),
        params("stored object names", 40),
      );
      assert(
        accepted > 5,
        `Storage accepted ${accepted} generated names: the property was exercised`,
      );
      await healthy();
    }),
);

Deno.test(
  "intake and audit: non-JSON, wrong content types, empty and multi-MB bodies: 4xx, nothing written",
  opts,
  () =>
    fixture(async (sql, users) => {
      const owner = await users.create("prop-raw");
      const before = await writableState(sql);
      const auth = { Authorization: `Bearer ${owner.token}` };
      const MB = 1024 * 1024;
      const big = (n: number) =>
        JSON.stringify({
          events: [{ table_name: "t", record_id: "r", operation: "ACCESS", reason: "x".repeat(n) }],
          storage_path: "y".repeat(n),
        });
      const chunked = (n: number) =>
        new ReadableStream<Uint8Array>({
          start(c) {
            const chunk = new TextEncoder().encode("x".repeat(64 * 1024));
            for (let sent = 0; sent < n; sent += chunk.length) c.enqueue(chunk);
            c.close();
          },
        });
      const fixed: Array<[string, RequestInit, string]> = [
        [
          "no body",
          { method: "POST", headers: { ...auth, "Content-Type": "application/json" } },
          "invalid_json",
        ],
        ["an empty body", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: "",
        }, "invalid_json"],
        ["not JSON", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: "profile_id=1&x=2",
        }, "invalid_json"],
        ["truncated JSON", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: '{"events": [',
        }, "invalid_json"],
        ["invalid UTF-8", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
        }, "invalid_json"],
        ["text/plain", {
          method: "POST",
          headers: { ...auth, "Content-Type": "text/plain" },
          body: "{}",
        }, "unsupported_media_type"],
        [
          "no content type",
          { method: "POST", headers: auth, body: "{}" },
          "unsupported_media_type",
        ],
        ["form-encoded", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/x-www-form-urlencoded" },
          body: "a=b",
        }, "unsupported_media_type"],
        ["multipart", {
          method: "POST",
          headers: { ...auth, "Content-Type": "multipart/form-data; boundary=x" },
          body: "--x--",
        }, "unsupported_media_type"],
        ["5 MB with a content length", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: big(5 * MB),
        }, "body_too_large"],
        ["3 MB streamed without a content length", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: chunked(3 * MB),
        }, "body_too_large"],
        ["1 MB", {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: big(MB),
        }, "body_too_large"],
      ];
      for (const url of [INTAKE, AUDIT]) {
        for (const [what, init, code] of fixed) {
          // A stream can be read once: build it again for the second function.
          const request = what.includes("streamed") ? { ...init, body: chunked(3 * MB) } : init;
          const res = await send(url, request);
          const error = assertFunctionRefusal(res, `${url.split("/").pop()}: ${what}`);
          assertEquals(error.code, code, `${what}: ${res.text}`);
        }
        const methods = await send(url, { method: "GET", headers: auth });
        assertEquals([methods.status, methods.json?.error?.code], [405, "method_not_allowed"]);
      }
      // Random bytes and random text as the body.
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(INTAKE, AUDIT),
          fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.string({ unit: "binary", maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
          ),
          async (url, bytes) => {
            const res = await send(url, {
              method: "POST",
              headers: { ...auth, "Content-Type": "application/json" },
              body: bytes,
            });
            if (res.status < 400) throw new Error(`random bytes accepted: ${res.text}`);
            assertFunctionRefusal(res, "random bytes");
          },
        ),
        params("raw bodies", 40),
      );
      await assertNothingWritten(sql, before, "after every malformed body");
      await healthy();
    }),
);

// =============================================================================================
// AUDIT
// =============================================================================================

const EVENT_FIELDS = [
  "table_name",
  "record_id",
  "operation",
  "reason",
  "patient_id",
  "job_id",
  "new_values",
] as const;

Deno.test(
  "audit: generated batches get a 4xx naming the broken event field, and write nothing",
  opts,
  () =>
    fixture(async (sql, users) => {
      const owner = await users.create("prop-audit");
      const event = () => ({
        table_name: "shell_files",
        record_id: crypto.randomUUID(),
        operation: "ACCESS",
        reason: "property test",
        patient_id: owner.profileId,
      });
      let before = await writableState(sql);
      const deepObject = (
        depth: number,
      ): Record<string, unknown> => (depth === 0 ? { leaf: 1 } : { d: deepObject(depth - 1) });

      const batch = fc.record({
        count: fc.integer({ min: 1, max: 3 }),
        at: fc.nat(),
        changed: fc.dictionary(
          fc.constantFrom(...EVENT_FIELDS),
          fc.oneof(
            hostileValue,
            fc.integer({ min: 17, max: 40 }).map(deepObject),
            fc.constant({ "bad\u0000key": 1 }),
            fc.constant({ nested: ["\ud800"] }),
          ),
          { minKeys: 1, maxKeys: 3 },
        ),
        removed: fc.subarray([...EVENT_FIELDS], { maxLength: 2 }),
        extra: sometimes(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), hostileValue)),
        top: sometimes(fc.oneof(
          fc.constant("many"),
          fc.constant("none"),
          fc.tuple(fc.constant("events"), hostileValue),
          fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), hostileValue),
        )),
      });
      await fc.assert(
        fc.asyncProperty(batch, async (b) => {
          const events: Record<string, unknown>[] = Array.from({ length: b.count }, event);
          const i = b.at % b.count;
          for (const f of b.removed) delete events[i][f];
          Object.assign(events[i], b.changed);
          if (b.extra && !(EVENT_FIELDS as readonly string[]).includes(b.extra[0])) {
            events[i][b.extra[0]] = b.extra[1];
          }
          let body: Record<string, unknown> = { events };
          const touched = new Set<string>(
            [...Object.keys(b.changed), ...b.removed].map((f) => `events[${i}].${f}`),
          );
          if (b.extra) touched.add(`events[${i}]`);
          if (b.top === "many") {
            body = { events: Array.from({ length: 101 }, event) };
            touched.add("events");
          } else if (b.top === "none") {
            body = { events: [] };
            touched.add("events");
          } else if (Array.isArray(b.top)) {
            body = b.top[0] === "events" ? { events: b.top[1] } : { events, [b.top[0]]: b.top[1] };
            touched.add("events");
          }
          touched.add("body");
          const res = await send(AUDIT, {
            method: "POST",
            headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
            body: JSON.stringify(body),
          });
          if (res.status === 201) {
            before = await writableState(sql); // still a valid batch: its rows are expected
            return;
          }
          const error = assertFunctionRefusal(res, `audit ${JSON.stringify(body).slice(0, 200)}`);
          if (error.code === "invalid_request") {
            const field = error.field ?? "";
            assert(
              [...touched].some((t) =>
                field === t || field.startsWith(`${t}.`) || field.startsWith(`${t}[`)
              ),
              `field ${field} is not one that was broken (${[...touched]}): ${res.text}`,
            );
            assert(error.message.startsWith(field), `the message names the field: ${res.text}`);
          } else if (error.code === "no_profile_access") {
            assertEquals(res.status, 403);
            assert(
              [`events[${i}].patient_id`, `events[${i}].job_id`].includes(error.field ?? ""),
              res.text,
            );
            assert(touched.has(error.field!), `${error.field} was not broken: ${res.text}`);
          } else {
            assertEquals(error.code, "body_too_large", res.text);
          }
          await assertNothingWritten(sql, before, `audit ${res.status} ${error.code}`);
        }),
        params("audit batches", 60),
      );

      await healthy();
      const again = await send(AUDIT, {
        method: "POST",
        headers: { Authorization: `Bearer ${owner.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ events: [event()] }),
      });
      assertEquals(again.status, 201, `the audit logger still logs a valid event: ${again.text}`);
    }),
);

// =============================================================================================
// PUBLIC RPCs a signed-in user may call
// =============================================================================================

Deno.test(
  "public RPCs: generated arguments and bodies get PostgREST 4xx with our message naming the parameter, and write nothing",
  opts,
  () =>
    fixture(async (sql, users) => {
      const owner = await users.create("prop-rpc");
      // The functions authenticated may execute, from the catalog, with their input arguments.
      const fns = await sql<{ name: string; args: string[] }[]>`
      select p.proname as name,
             coalesce(array(select a.n from unnest(p.proargnames, coalesce(p.proargmodes, array_fill('i'::"char", array[coalesce(cardinality(p.proargnames), 0)])))
                                  with ordinality a (n, m, o) where a.m in ('i', 'b', 'v') order by a.o), '{}') as args
        from pg_catalog.pg_proc p
       where p.pronamespace = 'public'::regnamespace and has_function_privilege('authenticated', p.oid, 'execute')
       order by 1`;
      assertEquals(fns.map((f) => f.name), [
        "get_processing_status",
        "get_user_usage_status",
        "has_profile_access",
        "is_admin",
        "is_service_role",
        "track_shell_file_upload_usage",
      ], "the user-callable RPCs (tests/db/security/api_role_surface.test.sql reviews the list)");
      const validArgs = (args: string[]) =>
        Object.fromEntries(
          args.map((
            a,
          ) => [
            a,
            /user/.test(a)
              ? owner.userId
              : /profile/.test(a)
              ? owner.profileId
              : crypto.randomUUID(),
          ]),
        );
      const before = await writableState(sql);
      const rpc = `${stack.url}/rest/v1/rpc`;
      const headers = (contentType = "application/json") => ({
        apikey: stack.anonKey,
        Authorization: `Bearer ${owner.token}`,
        "Content-Type": contentType,
      });

      const call = fc.record({
        fn: fc.constantFrom(...fns),
        changed: fc.array(fc.tuple(fc.nat(), hostileValue), { maxLength: 2 }),
        drop: sometimes(fc.nat()),
        extra: sometimes(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), hostileValue)),
        viaGet: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(call, async (c) => {
          const args: Record<string, unknown> = validArgs(c.fn.args);
          for (const [k, v] of c.changed) {
            if (c.fn.args.length > 0) args[c.fn.args[k % c.fn.args.length]] = v;
          }
          if (c.drop !== undefined && c.fn.args.length > 0) {
            delete args[c.fn.args[c.drop % c.fn.args.length]];
          }
          if (c.extra) args[c.extra[0]] = c.extra[1];
          const res = c.viaGet
            ? await send(
              `${rpc}/${c.fn.name}?${new URLSearchParams(
                Object.entries(args).map((
                  [k, v],
                ) => [k, typeof v === "string" ? v : JSON.stringify(v) ?? ""]),
              )}`,
              { headers: headers() },
            )
            : await send(`${rpc}/${c.fn.name}`, {
              method: "POST",
              headers: headers(),
              body: JSON.stringify(args),
            });
          assert(
            res.status < 500,
            `${c.fn.name}(${JSON.stringify(args).slice(0, 200)}): ${res.status} ${
              res.text.slice(0, 300)
            }`,
          );
          if (res.status < 300) return; // well-formed after all (has_profile_access of nobody: false)
          assert(res.status >= 400, res.text);
          const code = res.json?.code ?? "";
          const message = res.json?.message ?? "";
          if (["22023", "42501", "P0002"].includes(code)) {
            assert(
              message.startsWith(`${c.fn.name}: `),
              `our own refusals name the function: ${res.text}`,
            );
            if (code === "22023") {
              assert(
                c.fn.args.some((a) => message.includes(a)),
                `a 22023 names the parameter: ${res.text}`,
              );
            }
          } else {
            // What PostgREST or Postgres refuses before the function runs: unparseable JSON
            // (PGRST1xx), no function with these argument names (PGRST202), a value that is no
            // uuid (22P02) or holds what text cannot (22P05, 22021).
            assert(
              /^(PGRST\d+|22P02|22P05|22021|42883|54001)$/.test(code),
              `an unexpected refusal: ${res.status} ${res.text.slice(0, 300)}`,
            );
          }
        }),
        params("rpc arguments", 150),
      );

      // Malformed bodies and content types, for every one of them.
      const bodies: Array<[string, BodyInit, string]> = [
        ["not JSON", "p_profile_id=", "application/json"],
        ["truncated JSON", '{"p_profile_id": "', "application/json"],
        ["a lone surrogate", '{"p_profile_id": "\\ud800"}', "application/json"],
        ["a NUL", '{"p_profile_id": "\\u0000"}', "application/json"],
        ["an array", "[1, 2]", "application/json"],
        ["text/plain", "{}", "text/plain"],
        ["form-encoded garbage", "%%%=%%%", "application/x-www-form-urlencoded"],
        [
          "4 MB of JSON",
          JSON.stringify({ p_profile_id: "a".repeat(4 * 1024 * 1024) }),
          "application/json",
        ],
      ];
      for (const f of fns) {
        for (const [what, body, type] of bodies) {
          const res = await send(`${rpc}/${f.name}`, {
            method: "POST",
            headers: headers(type),
            body,
          });
          assert(
            (res.status >= 400 && res.status < 500) || (res.status === 200 && f.args.length === 0),
            `${f.name} with ${what}: ${res.status} ${res.text.slice(0, 200)}`,
          );
        }
      }
      await assertNothingWritten(sql, before, "after every generated RPC call");

      // Still serving: each answers a valid call.
      await healthy();
      for (const f of fns) {
        const res = await send(`${rpc}/${f.name}`, {
          method: "POST",
          headers: headers(),
          body: JSON.stringify(validArgs(f.args)),
        });
        if (f.name === "get_processing_status" || f.name === "track_shell_file_upload_usage") {
          assertEquals(
            [res.status, res.json?.code],
            [404, "P0002"],
            `${f.name} of a made-up file: ${res.text}`,
          );
        } else {
          assertEquals(res.status, 200, `${f.name}: ${res.text}`);
        }
      }
    }),
);
