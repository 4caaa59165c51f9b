// Every Edge Function of supabase/config.toml against credentials it must refuse: missing,
// malformed, expired, wrongly signed, unsigned (alg "none"), another algorithm, and valid
// tokens of the wrong role (the anon key or the service credential where a person is needed;
// a user's token, the anon key or a service_role JWT that is not THE service key at the
// worker). Each refusal is a 401 (no usable credential; the gateway's verify_jwt answers for
// the two functions that have it) or a 403 (a valid credential of the wrong kind), and
// nothing is written anywhere (tests/support/row_counts.ts: every table in public, Storage,
// pg_net's queue, auth, vault).
//
// Every refused request carries a body that WOULD be accepted and write (a real upload of the
// signed-in user for the intake, an event about their own profile for the audit logger, a
// claimable job for the worker), and the forged tokens claim to be that user: the only reason
// for a refusal is the credential. Each test ends with the control: the same request with the
// right credential is accepted and writes.
//
// pipeline_e2e.test.ts already shows the worker refusing no Authorization, the anon key, a
// user's token (the owner's and another's) and a validly signed service_role JWT that is not
// the key; the worker cases here are the rest.

import { assert, assertEquals } from "@std/assert";
import { functionsFromToml } from "../../stack/edge/registry.ts";
import { mintUserToken, signJwt } from "../../stack/jwt.ts";
import { BUCKET } from "../../scripts/lib/documents.ts";
import {
  accounts,
  overrideConfig,
  sample,
  stack,
  waitFor,
  waitUntilFinished,
  withSql,
} from "../support/pipeline.ts";
import { assertNothingWritten, writableState } from "../support/row_counts.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const PDF = "application/pdf";
const OTHER_SECRET = "not-the-project-secret-".padEnd(48, "z");
const fnUrl = (name: string) => `${stack.url}/functions/v1/${name}`;

// --- tokens ---------------------------------------------------------------------------------

const encoder = new TextEncoder();
function b64url(text: string | Uint8Array): string {
  const bytes = typeof text === "string" ? encoder.encode(text) : text;
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
const now = () => Math.floor(Date.now() / 1000);
const userClaims = (sub: string) => ({
  iss: "supabase-local",
  aud: "authenticated",
  role: "authenticated",
  sub,
  iat: now() - 60,
  exp: now() + 3600,
});

/** A token with any header, signed HS256 with `secret` (the header does not change the MAC). */
async function withHeader(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: string,
) {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const key = await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    [
      "sign",
    ],
  );
  return `${input}.${
    b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(input))))
  }`;
}

/** alg "none": no signature at all, as a forger would send it. */
const unsigned = (claims: Record<string, unknown>) =>
  `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;

/**
 * The token with the first character of its signature changed. Not the last one: the last
 * character of a 32-byte signature in base64url carries 2 unused bits, so changing it can
 * leave the decoded signature as it was (and the token valid).
 */
function tampered(token: string): string {
  const at = token.lastIndexOf(".") + 1;
  const first = token[at];
  return token.slice(0, at) + (first === "A" ? "Q" : "A") + token.slice(at + 1);
}

type Case = { name: string; headers: Record<string, string>; status: 401 | 403; code?: string };
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/**
 * Credentials no function may accept as a user, each claiming to be `userId` where it claims
 * anyone: they fail at the signature, the format or the expiry. verify_jwt functions answer
 * them at the gateway (401 UNAUTHORIZED_*).
 */
async function unusableCredentials(userId: string): Promise<Case[]> {
  const claims = userClaims(userId);
  const valid = await mintUserToken(stack.jwtSecret, { id: userId });
  const [, validPayload, validSignature] = valid.split(".");
  return [
    { name: "no Authorization header", headers: {}, status: 401 },
    { name: "an empty bearer", headers: { Authorization: "Bearer " }, status: 401 },
    {
      name: "Basic credentials",
      headers: { Authorization: `Basic ${btoa(`${userId}:password`)}` },
      status: 401,
    },
    { name: "a bearer that is not a JWT", headers: bearer("not-a-jwt"), status: 401 },
    { name: "two parts", headers: bearer(valid.split(".").slice(0, 2).join(".")), status: 401 },
    { name: "four parts", headers: bearer(`${valid}.${validSignature}`), status: 401 },
    { name: "parts that are not base64url", headers: bearer("!!!.@@@.###"), status: 401 },
    {
      name: "a payload that is not JSON",
      headers: bearer(`${valid.split(".")[0]}.${b64url("{not json")}.${validSignature}`),
      status: 401,
    },
    {
      name: "the token twice",
      headers: { Authorization: `Bearer ${valid} ${valid}` },
      status: 401,
    },
    { name: "the user's token only in the apikey header", headers: { apikey: valid }, status: 401 },
    {
      name: "expired an hour ago",
      headers: bearer(await mintUserToken(stack.jwtSecret, { id: userId }, { now: now() - 7200 })),
      status: 401,
    },
    {
      name: "expired a second ago",
      headers: bearer(await signJwt({ ...claims, exp: now() - 1 }, stack.jwtSecret)),
      status: 401,
    },
    {
      name: "signed with another secret",
      headers: bearer(await signJwt(claims, OTHER_SECRET)),
      status: 401,
    },
    {
      name: "a valid token with one signature character changed",
      headers: bearer(tampered(valid)),
      status: 401,
    },
    {
      name: "the valid signature on changed claims (sub swapped)",
      headers: bearer(
        `${valid.split(".")[0]}.${
          b64url(JSON.stringify({ ...claims, sub: crypto.randomUUID() }))
        }.${validSignature}`,
      ),
      status: 401,
    },
    { name: 'alg "none", unsigned', headers: bearer(unsigned(claims)), status: 401 },
    {
      name: 'alg "none" with the valid signature kept',
      headers: bearer(
        `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${validPayload}.${validSignature}`,
      ),
      status: 401,
    },
    {
      name: 'alg "HS512" in the header',
      headers: bearer(await withHeader({ alg: "HS512", typ: "JWT" }, claims, stack.jwtSecret)),
      status: 401,
    },
    {
      name: 'alg "RS256" in the header (key confusion)',
      headers: bearer(await withHeader({ alg: "RS256", typ: "JWT" }, claims, stack.jwtSecret)),
      status: 401,
    },
    {
      name: "role service_role signed with another secret",
      headers: bearer(
        await signJwt({ ...claims, role: "service_role", sub: undefined }, OTHER_SECRET),
      ),
      status: 401,
    },
    {
      name: 'role service_role, alg "none"',
      headers: bearer(unsigned({ iss: "supabase-local", role: "service_role", exp: now() + 3600 })),
      status: 401,
    },
    {
      name: "the service key with one signature character changed",
      headers: bearer(tampered(stack.serviceRoleKey)),
      status: 401,
    },
  ];
}

/**
 * Validly signed tokens that are not a person: refused by the function itself, 403 with
 * `forbiddenCode`; a token with no role claim at all reads as no caller (401, "unauthorized").
 */
async function wrongRoles(forbiddenCode: string): Promise<Case[]> {
  const base = { iss: "supabase-local", iat: now() - 60, exp: now() + 3600 };
  const forbidden = (name: string, headers: Record<string, string>): Case => ({
    name,
    headers,
    status: 403,
    code: forbiddenCode,
  });
  return [
    forbidden("the anon key", { ...bearer(stack.anonKey), apikey: stack.anonKey }),
    forbidden(
      "a validly signed service_role JWT that is not the service key",
      bearer(await signJwt({ ...base, role: "service_role", ref: "forged" }, stack.jwtSecret)),
    ),
    forbidden(
      "role authenticated without a sub",
      bearer(await signJwt({ ...base, role: "authenticated" }, stack.jwtSecret)),
    ),
    forbidden(
      "role authenticated with a sub that is not a UUID",
      bearer(await signJwt({ ...base, role: "authenticated", sub: "admin" }, stack.jwtSecret)),
    ),
    forbidden(
      "role postgres",
      bearer(
        await signJwt({ ...base, role: "postgres", sub: crypto.randomUUID() }, stack.jwtSecret),
      ),
    ),
    forbidden(
      "role supabase_admin",
      bearer(await signJwt({ ...base, role: "supabase_admin" }, stack.jwtSecret)),
    ),
    {
      name: "no role claim",
      headers: bearer(await signJwt({ ...base, sub: crypto.randomUUID() }, stack.jwtSecret)),
      status: 401,
      code: "unauthorized",
    },
  ];
}

/** The claims of a JWT, unverified. */
function claimsOf(token: string): Record<string, unknown> {
  const part = token.split(".")[1];
  const padded = part.replaceAll("-", "+").replaceAll("_", "/") +
    "===".slice((part.length + 3) % 4);
  return JSON.parse(
    new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))),
  );
}

async function post(name: string, headers: Record<string, string>, body: unknown) {
  const res = await fetch(fnUrl(name), {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = JSON.parse(text);
  } catch { /* asserted by the caller */ }
  return { status: res.status, text, json };
}

/** The refusal's machine-readable code: the gateway's `code`, or the function's `error.code`. */
function codeOf(json: Record<string, unknown> | null): unknown {
  return (json?.error as { code?: string } | undefined)?.code ?? json?.code;
}

async function expectRefused(t: Deno.TestContext, fn: string, cases: Case[], body: () => unknown) {
  for (const c of cases) {
    await t.step(`${fn}: ${c.name} -> ${c.status}`, async () => {
      const res = await post(fn, c.headers, body());
      assertEquals(res.status, c.status, res.text);
      assert(res.json !== null, `a JSON answer: ${res.text}`);
      if (c.code) assertEquals(codeOf(res.json), c.code, res.text);
      for (const token of Object.values(c.headers)) {
        const secret = token.replace(/^(Bearer|Basic)\s+/i, "");
        if (secret.length > 20) {
          assert(!res.text.includes(secret), "the answer does not echo the credential");
        }
      }
      assert(!res.text.includes("    at "), "no stack trace");
    });
  }
}

// Every test pauses the cron dispatcher (a tick would process the fixtures' jobs and change
// the tables between the snapshots) and puts it back.
async function paused<T>(
  sql: Parameters<Parameters<typeof withSql>[0]>[0],
  fn: () => Promise<T>,
): Promise<T> {
  const pause = await overrideConfig(sql, "dispatch.max_invocations_per_tick", 0);
  try {
    return await fn();
  } finally {
    await pause.restore();
  }
}

Deno.test("supabase/config.toml declares exactly the functions this file covers", () => {
  const text = Deno.readTextFileSync(`${stack.config.root}/supabase/config.toml`);
  const specs = functionsFromToml(text, `${stack.config.root}/supabase`, "supabase/config.toml");
  assertEquals(
    specs.map((s) => [s.name, s.verifyJwt]).sort(),
    [["audit-logger-v3", true], ["job-worker", false], ["shell-file-processor-v3", true]],
    "a new or changed function needs its cases here",
  );
});

Deno.test(
  "shell-file-processor-v3 refuses every credential that is not a signed-in user's, and writes nothing",
  opts,
  (t) =>
    withSql((sql) =>
      paused(sql, async () => {
        const users = accounts(sql);
        try {
          const owner = await users.create("jwt-intake");
          const path = `${owner.profileId}/letter.pdf`;
          const uploaded = await owner.client.storage.from(BUCKET).upload(
            path,
            await sample("discharge-summary.pdf"),
            {
              contentType: PDF,
            },
          );
          assertEquals(uploaded.error, null);
          const body = () => ({
            profile_id: owner.profileId,
            storage_path: path,
            mime_type: PDF,
            idempotency_key: `jwt-${crypto.randomUUID()}`,
          });
          const fn = "shell-file-processor-v3";
          const before = await writableState(sql);

          await expectRefused(t, fn, await unusableCredentials(owner.userId), body);
          const wrong = await wrongRoles("user_required");
          wrong.push({
            name: "the service key (the service is not a person)",
            headers: { ...bearer(stack.serviceRoleKey), apikey: stack.anonKey },
            status: 403,
            code: "user_required",
          });
          await expectRefused(t, fn, wrong, body);
          await assertNothingWritten(sql, before, `${fn} after every refused credential`);

          // CONTROL: the owner's own token, the same request: accepted, and it writes.
          const accepted = await post(
            fn,
            { ...bearer(owner.token), apikey: stack.anonKey },
            body(),
          );
          assertEquals(accepted.status, 201, accepted.text);
          const [row] =
            await sql`select count(*)::int as n from public.shell_files where patient_id = ${owner.profileId}`;
          assertEquals(row.n, 1, "the control request created the shell file");
        } finally {
          await users.cleanup();
        }
      })
    ),
);

Deno.test(
  "audit-logger-v3 refuses every credential that is not a signed-in user's or the service key, and writes nothing",
  opts,
  (t) =>
    withSql((sql) =>
      paused(sql, async () => {
        const users = accounts(sql);
        try {
          const owner = await users.create("jwt-audit");
          const body = () => ({
            events: [{
              table_name: "shell_files",
              record_id: crypto.randomUUID(),
              operation: "ACCESS",
              patient_id: owner.profileId,
              reason: "security_jwt test",
            }],
          });
          const fn = "audit-logger-v3";
          const before = await writableState(sql);

          await expectRefused(t, fn, await unusableCredentials(owner.userId), body);
          const wrong = await wrongRoles("forbidden");
          await expectRefused(t, fn, wrong, body);
          await assertNothingWritten(sql, before, `${fn} after every refused credential`);

          // CONTROL: the owner's token and the service key are accepted and write.
          const asUser = await post(fn, bearer(owner.token), body());
          assertEquals(asUser.status, 201, asUser.text);
          const asService = await post(fn, bearer(stack.serviceRoleKey), body());
          assertEquals(asService.status, 201, asService.text);
          const [row] = await sql`
          select count(*) filter (where actor_id = ${owner.userId})::int as by_user,
                 count(*) filter (where actor_id is null)::int as by_service
            from public.audit_log where patient_id = ${owner.profileId} and reason = 'security_jwt test'`;
          assertEquals(row, { by_user: 1, by_service: 1 });
        } finally {
          await users.cleanup();
        }
      })
    ),
);

Deno.test(
  "job-worker accepts only the service key itself: forged, expired, unsigned and mangled credentials claim nothing",
  opts,
  (t) =>
    withSql((sql) =>
      paused(sql, async () => {
        const users = accounts(sql);
        try {
          // A claimable job: an invocation wrongly accepted would claim it within milliseconds.
          const owner = await users.create("jwt-worker");
          const path = `${owner.profileId}/letter.pdf`;
          assertEquals(
            (await owner.client.storage.from(BUCKET).upload(
              path,
              await sample("discharge-summary.pdf"),
              { contentType: PDF },
            )).error,
            null,
          );
          const intake = await post("shell-file-processor-v3", bearer(owner.token), {
            profile_id: owner.profileId,
            storage_path: path,
            mime_type: PDF,
            idempotency_key: `jwt-worker-${crypto.randomUUID()}`,
          });
          assertEquals(intake.status, 201, intake.text);
          const fn = "job-worker";
          const before = await writableState(sql);
          const body = () => ({ source: "security_jwt" });
          const base = { iss: "supabase-local", iat: now() - 60 };
          const key = stack.serviceRoleKey;

          await expectRefused(t, fn, [
            {
              name: "an empty bearer",
              headers: { Authorization: "Bearer " },
              status: 401,
              code: "unauthorized",
            },
            {
              name: "Basic with the service key",
              headers: { Authorization: `Basic ${btoa(`service_role:${key}`)}` },
              status: 401,
              code: "unauthorized",
            },
            {
              name: "the service key only in the apikey header",
              headers: { apikey: key },
              status: 401,
              code: "unauthorized",
            },
            {
              name: "the service key twice",
              headers: { Authorization: `Bearer ${key} ${key}` },
              status: 401,
              code: "unauthorized",
            },
            {
              name: "a bearer that is not a JWT",
              headers: bearer("not-a-jwt"),
              status: 403,
              code: "forbidden",
            },
            {
              name: "the service key truncated",
              headers: bearer(key.slice(0, -1)),
              status: 403,
              code: "forbidden",
            },
            {
              name: "the service key with a character appended",
              headers: bearer(`${key}x`),
              status: 403,
              code: "forbidden",
            },
            {
              name: "the service key with one signature character changed",
              headers: bearer(tampered(key)),
              status: 403,
              code: "forbidden",
            },
            {
              name: "the service key's claims signed with another secret",
              headers: bearer(await signJwt(claimsOf(key), OTHER_SECRET)),
              status: 403,
              code: "forbidden",
            },
            {
              name: "role service_role, expired",
              headers: bearer(
                await signJwt({ ...base, role: "service_role", exp: now() - 1 }, stack.jwtSecret),
              ),
              status: 403,
              code: "forbidden",
            },
            {
              name: 'role service_role, alg "none"',
              headers: bearer(unsigned({ ...base, role: "service_role", exp: now() + 3600 })),
              status: 403,
              code: "forbidden",
            },
            {
              name: "role service_role, alg HS512 in the header",
              headers: bearer(
                await withHeader({ alg: "HS512", typ: "JWT" }, {
                  ...base,
                  role: "service_role",
                  exp: now() + 3600,
                }, stack.jwtSecret),
              ),
              status: 403,
              code: "forbidden",
            },
            {
              name: "an expired user token",
              headers: bearer(
                await mintUserToken(stack.jwtSecret, { id: owner.userId }, { now: now() - 7200 }),
              ),
              status: 403,
              code: "forbidden",
            },
            {
              name: "a user token signed with another secret",
              headers: bearer(await signJwt(userClaims(owner.userId), OTHER_SECRET)),
              status: 403,
              code: "forbidden",
            },
            {
              name: "the JWT secret itself as the bearer",
              headers: bearer(stack.jwtSecret),
              status: 403,
              code: "forbidden",
            },
          ], body);
          // The key in the URL instead of a header (as apikey and as access_token).
          const viaQuery = await fetch(
            `${fnUrl(fn)}?apikey=${encodeURIComponent(key)}&access_token=${
              encodeURIComponent(key)
            }`,
            {
              method: "POST",
              body: "{}",
            },
          );
          assertEquals(viaQuery.status, 401, await viaQuery.text());

          // An accepted call claims within milliseconds (its first RPC); give a wrongly accepted
          // one ample time to show before comparing.
          await new Promise((r) => setTimeout(r, 1500));
          await assertNothingWritten(sql, before, `${fn} after every refused credential`);

          // CONTROL: the service key is accepted, and the job is claimed and processed.
          const accepted = await post(fn, bearer(key), body());
          assertEquals([accepted.status, accepted.json?.accepted], [202, true], accepted.text);
          await waitFor("the control invocation claims the job", async () => {
            const [job] = await sql`select status from public.job_queue where id = ${intake.json!
              .job_id as string}`;
            return job.status === "pending" ? undefined : job.status;
          }, 15_000);
          // Its chain finishes the document (the dispatcher is paused), so nothing runs during cleanup.
          await waitUntilFinished(sql, [intake.json!.shell_file_id as string], 60_000);
        } finally {
          await users.cleanup();
        }
      })
    ),
);
