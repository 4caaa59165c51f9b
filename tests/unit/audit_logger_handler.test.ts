// audit-logger-v3's core with fake dependencies: who may log (a user, as themselves; the
// service credential, as the system), the batch rules with errors naming the event's field,
// all-or-nothing (log_audit_events never called on a refusal), CORS on every answer, and
// that no answer repeats the patient data the events carried.

import { assert, assertEquals } from "@std/assert";
import {
  type AuditLoggerDeps,
  createAuditLoggerHandler,
  MAX_AUDIT_BODY_BYTES,
} from "../../functions/audit-logger-v3/handler.ts";
import type { AuditEvent } from "../../functions/audit-logger-v3/request.ts";
import type { LogEntry } from "../../functions/_shared/handler.ts";
import {
  assertCors,
  hostileString,
  keys,
  post,
  random,
  tokenWithClaims,
  userToken,
} from "../support/function_requests.ts";

const URL_ = "http://fn/audit-logger-v3";
const USER = "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";
const PATIENT = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a";
const JOB = "66666666-7777-4888-9999-aaaaaaaaaaaa";
// Patient data an answer must never repeat.
const SECRETS = ["Jane", "HIV", "Smith"];

interface Recorded {
  batches: Array<{ actorId: string | null; events: AuditEvent[] }>;
  logs: LogEntry[];
}

function createMockDeps(
  overrides: Partial<AuditLoggerDeps> = {},
): { deps: AuditLoggerDeps; calls: Recorded } {
  const calls: Recorded = { batches: [], logs: [] };
  const deps: AuditLoggerDeps = {
    serviceRoleKey: keys.serviceRoleKey,
    requestId: () => "req-1",
    ...overrides,
    log: (entry) => calls.logs.push(entry),
    logAuditEvents: (actorId, events) => {
      calls.batches.push({ actorId, events });
      return overrides.logAuditEvents?.(actorId, events) ??
        Promise.resolve({ data: events.map((_, i) => 100 + i), error: null });
    },
  };
  return { deps, calls };
}

const event = (extra: Record<string, unknown> = {}) => ({
  table_name: "shell_files",
  record_id: "11111111-2222-4333-8444-555555555555",
  operation: "SELECT",
  reason: "Jane Doe viewed her HIV results from Dr. Smith",
  patient_id: PATIENT,
  job_id: JOB,
  new_values: { note: "Jane Doe", nested: { diagnosis: "HIV" } },
  ...extra,
});

const userBearer = await userToken(USER);

async function send(deps: AuditLoggerDeps, req: Request) {
  const res = await createAuditLoggerHandler(deps)(req);
  assertCors(res);
  const text = await res.text();
  if (res.status >= 400) {
    for (const secret of SECRETS) {
      assertEquals(text.includes(secret), false, `a ${res.status} answer contains "${secret}"`);
    }
    assertEquals(text.includes("    at "), false, "no stack trace");
  }
  const json = text ? JSON.parse(text) : null;
  return { status: res.status, json, error: json?.error as { code: string; field?: string } };
}

const postEvents = (body: unknown, token = userBearer) => post(URL_, body, { token });

Deno.test("OPTIONS is the CORS preflight; other methods are 405; nothing is logged", async () => {
  const { deps, calls } = createMockDeps();
  assertEquals((await send(deps, new Request(URL_, { method: "OPTIONS" }))).status, 204);
  for (const method of ["GET", "PUT", "DELETE"]) {
    assertEquals((await send(deps, new Request(URL_, { method }))).status, 405);
  }
  assertEquals(calls.batches, []);
});

Deno.test("201: a user's events are logged under their id; the answer lists the new ids", async () => {
  const { deps, calls } = createMockDeps();
  const events = [
    event(),
    event({ operation: "EXPORT", patient_id: undefined, new_values: undefined }),
  ];
  const res = await send(deps, postEvents({ events }));
  assertEquals(res.status, 201);
  assertEquals(res.json, { logged: 2, ids: [100, 101] });
  assertEquals(calls.batches.length, 1);
  assertEquals(calls.batches[0].actorId, USER);
  assertEquals(calls.batches[0].events, JSON.parse(JSON.stringify(events)));
});

Deno.test("201: the service credential logs as the system (actor null)", async () => {
  const { deps, calls } = createMockDeps();
  const res = await send(deps, postEvents({ events: [event()] }, keys.serviceRoleKey));
  assertEquals(res.status, 201);
  assertEquals(calls.batches[0].actorId, null);
});

Deno.test("401 without a usable token; 403 for the anon key and for service-role claims that are not the key", async () => {
  const cases: Array<[Request, number, string]> = [
    [post(URL_, { events: [event()] }), 401, "unauthorized"],
    [postEvents({ events: [event()] }, "not-a-jwt"), 401, "unauthorized"],
    [postEvents({ events: [event()] }, keys.anonKey), 403, "forbidden"],
    [
      postEvents(
        { events: [event()] },
        await tokenWithClaims({ role: "service_role", iss: "other" }),
      ),
      403,
      "forbidden",
    ],
    [
      postEvents({ events: [event()] }, await tokenWithClaims({ role: "authenticated", sub: "x" })),
      403,
      "forbidden",
    ],
  ];
  for (const [req, status, code] of cases) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, req);
    assertEquals([res.status, res.error.code], [status, code]);
    assertEquals(calls.batches, []);
  }
});

Deno.test("the body: 415 when not JSON, 400 when not valid JSON, 413 past 256 KiB", async () => {
  const big = { events: [event({ new_values: { blob: "x".repeat(MAX_AUDIT_BODY_BYTES) } })] };
  const cases: Array<[Request, number, string]> = [
    [
      post(URL_, "{}", { token: userBearer, headers: { "content-type": "text/plain" } }),
      415,
      "unsupported_media_type",
    ],
    [postEvents('{"events": ['), 400, "invalid_json"],
    [postEvents(big), 413, "body_too_large"],
  ];
  for (const [req, status, code] of cases) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, req);
    assertEquals([res.status, res.error.code], [status, code]);
    assertEquals(calls.batches, []);
  }
  // Just under the limit is accepted.
  const { deps } = createMockDeps();
  const near = {
    events: [event({ new_values: { blob: "x".repeat(MAX_AUDIT_BODY_BYTES - 1000) } })],
  };
  assertEquals((await send(deps, postEvents(near))).status, 201);
});

Deno.test("400 naming the path of the bad field; nothing of the batch is logged", async () => {
  const ok = event();
  const batch = (bad: Record<string, unknown>, at = 3) => ({
    events: Array.from({ length: 5 }, (_, i) => (i === at ? { ...ok, ...bad } : ok)),
  });
  const cases: Array<[unknown, string]> = [
    [{}, "events"],
    [{ events: [] }, "events"],
    [{ events: Array.from({ length: 101 }, () => ok) }, "events"],
    [{ events: ok }, "events"],
    [{ events: [ok], extra: 1 }, "body"],
    [batch({ patient_id: "Jane Doe" }), "events[3].patient_id"],
    [batch({ patient_id: `${PATIENT}' OR 1=1 --` }), "events[3].patient_id"],
    [batch({ job_id: 42 }), "events[3].job_id"],
    [batch({ operation: "TRUNCATE" }), "events[3].operation"],
    [batch({ operation: "select" }), "events[3].operation"],
    [batch({ operation: undefined }), "events[3].operation"],
    [batch({ table_name: "shell_files; DROP TABLE audit_log; --" }), "events[3].table_name"],
    [batch({ table_name: "Jane Doe" }), "events[3].table_name"],
    [batch({ table_name: "a".repeat(64) }), "events[3].table_name"],
    [batch({ record_id: "" }), "events[3].record_id"],
    [batch({ record_id: "  " }), "events[3].record_id"],
    [batch({ record_id: "r".repeat(201) }), "events[3].record_id"],
    [batch({ reason: "Jane\u0000Doe" }), "events[3].reason"],
    [batch({ reason: "x".repeat(1001) }), "events[3].reason"],
    [batch({ new_values: ["Jane Doe"] }), "events[3].new_values"],
    [batch({ new_values: "Jane Doe" }), "events[3].new_values"],
    [batch({ new_values: { note: "Jane\u0000Doe has HIV" } }), "events[3].new_values"],
    [batch({ new_values: { ["Jane Doe\u0000"]: 1 } }), "events[3].new_values"],
    [batch({ new_values: { note: "Jane \ud800" } }), "events[3].new_values"],
    [batch({ old_values: { diagnosis: "HIV" } }), "events[3]"],
    [batch({ ["Jane Doe"]: "HIV" }, 0), "events[0]"],
  ];
  for (const [body, field] of cases) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postEvents(body));
    assertEquals(
      [res.status, res.error.code, res.error.field],
      [400, "invalid_request", field],
      field,
    );
    assertEquals(calls.batches, []);
  }
});

Deno.test("new_values nested past the depth limit is refused without walking it all", async () => {
  let deep: unknown = "leaf";
  for (let i = 0; i < 5000; i++) deep = { d: deep };
  const { deps, calls } = createMockDeps();
  const res = await send(deps, postEvents({ events: [event({ new_values: deep })] }));
  assertEquals([res.status, res.error.field], [400, "events[0].new_values"]);
  assertEquals(calls.batches, []);
});

Deno.test("403 no_profile_access when log_audit_events refuses a patient (42501), naming the event", async () => {
  const refusing = (message: string) =>
    createMockDeps({
      logAuditEvents: () => Promise.resolve({ data: null, error: { code: "42501", message } }),
    });
  const named = refusing(
    "log_audit_events: p_actor_id has no access to the patient of p_events[2]",
  );
  const res = await send(named.deps, postEvents({ events: [event(), event(), event()] }));
  assertEquals([res.status, res.error.code, res.error.field], [
    403,
    "no_profile_access",
    "events[2].patient_id",
  ]);
  assertEquals(JSON.stringify(res.json).includes(PATIENT), false);
  assertEquals(named.calls.logs, []);
  // Any other wording of the refusal: still 403, no field, and never the patient id.
  const other = refusing(`permission denied for patient ${PATIENT}`);
  const res2 = await send(other.deps, postEvents({ events: [event()] }));
  assertEquals([res2.status, res2.error.field], [403, undefined]);
  assertEquals(JSON.stringify(res2.json).includes(PATIENT), false);
});

Deno.test("500 internal_error with a reference for anything else; the detail is only logged", async () => {
  const failures: Array<AuditLoggerDeps["logAuditEvents"]> = [
    () =>
      Promise.resolve({
        data: null,
        error: { code: "22023", message: "log_audit_event: reason Jane Doe HIV" },
      }),
    () => Promise.resolve({ data: null, error: { code: "XX000", message: "Jane Doe" } }),
    () => Promise.reject(new TypeError("fetch failed")),
  ];
  for (const logAuditEvents of failures) {
    const { deps, calls } = createMockDeps({ logAuditEvents, requestId: () => "ref-9" });
    const res = await send(deps, postEvents({ events: [event()] }));
    assertEquals(res.status, 500);
    assertEquals(res.json, {
      error: { code: "internal_error", message: "unexpected error (reference ref-9)" },
    });
    assertEquals(calls.logs.map((l) => l.request_id), ["ref-9"]);
  }
});

Deno.test("property: hostile strings are refused naming events[i].<field>, or logged exactly", async () => {
  const next = random(4242);
  const fields = ["table_name", "record_id", "operation", "reason", "patient_id", "job_id"];
  const seen = { accepted: 0, refused: 0 };
  for (let i = 0; i < 600; i++) {
    const field = fields[i % fields.length];
    const at = Math.floor(next() * 4);
    const events = Array.from({ length: 4 }, () => event());
    const value = hostileString(next, i % 2 ? 6 : 24);
    events[at] = { ...events[at], [field]: value };
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postEvents({ events }));
    seen[res.status === 201 ? "accepted" : "refused"]++;
    if (res.status === 201) {
      assertEquals((calls.batches[0].events[at] as Record<string, unknown>)[field], value);
      assert(value.isWellFormed() && !value.includes("\u0000"), JSON.stringify(value));
    } else {
      assertEquals(
        [res.status, res.error.field],
        [400, `events[${at}].${field}`],
        JSON.stringify(value),
      );
      assertEquals(calls.batches, []);
    }
  }
  assert(seen.accepted >= 30 && seen.refused >= 30, JSON.stringify(seen));
});
