// shell-file-processor-v3's core with fake dependencies: every status it can answer, that
// nothing is written (create_shell_file_job never called) on any refusal, that the size comes
// from Storage and the user from the token, CORS on every answer, and that no answer repeats
// the file name or other patient data the request carried.

import { assert, assertEquals } from "@std/assert";
import {
  createIntakeHandler,
  type CreateShellFileJobArgs,
  type IntakeDeps,
  MAX_INTAKE_BODY_BYTES,
} from "../../functions/shell-file-processor-v3/handler.ts";
import { estimatePages, estimateTokens } from "../../functions/shell-file-processor-v3/estimate.ts";
import type { DbResult } from "../../functions/_shared/supabase.ts";
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

const URL_ = "http://fn/shell-file-processor-v3";
const USER = "7c1e2f3a-4b5c-4d6e-8f90-a1b2c3d4e5f6";
const PROFILE = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a";
// Names a reviewer would recognise as patient data if an answer ever echoed them.
const FILE_NAME = "Jane-Doe-HIV-results.pdf";
const PATH = `${PROFILE}/${FILE_NAME}`;
const ORIGINAL = "Jane Doe – HIV results (Dr. Smith).pdf";
const KEY = "upload-key-Jane-Doe-0001";
const SHELL_FILE_ID = "11111111-2222-4333-8444-555555555555";
const JOB_ID = "66666666-7777-4888-9999-aaaaaaaaaaaa";
const MiB = 1024 * 1024;

interface Recorded {
  access: Array<[string, string]>;
  sizes: Array<[string, string]>;
  creates: CreateShellFileJobArgs[];
  logs: LogEntry[];
}

function createMockDeps(
  overrides: Partial<IntakeDeps> = {},
): { deps: IntakeDeps; calls: Recorded } {
  const calls: Recorded = { access: [], sizes: [], creates: [], logs: [] };
  const base: IntakeDeps = {
    requestId: () => "req-1",
    log: (entry) => calls.logs.push(entry),
    hasProfileAccess: (userId, profileId) => {
      calls.access.push([userId, profileId]);
      return Promise.resolve({ data: true, error: null });
    },
    objectSize: (bucket, path) => {
      calls.sizes.push([bucket, path]);
      return Promise.resolve(2 * MiB);
    },
    createShellFileJob: (args) => {
      calls.creates.push(args);
      return Promise.resolve({
        data: { shell_file_id: SHELL_FILE_ID, job_id: JOB_ID, status: "queued", created: true },
        error: null,
      });
    },
  };
  // Overrides still record the call, so "never called" holds for them too.
  const deps: IntakeDeps = {
    ...base,
    ...overrides,
    hasProfileAccess: (u, p) => {
      if (!overrides.hasProfileAccess) return base.hasProfileAccess(u, p);
      calls.access.push([u, p]);
      return overrides.hasProfileAccess(u, p);
    },
    objectSize: (b, p) => {
      if (!overrides.objectSize) return base.objectSize(b, p);
      calls.sizes.push([b, p]);
      return overrides.objectSize(b, p);
    },
    createShellFileJob: (args) => {
      if (!overrides.createShellFileJob) return base.createShellFileJob(args);
      calls.creates.push(args);
      return overrides.createShellFileJob(args);
    },
    log: (entry) => calls.logs.push(entry),
  };
  return { deps, calls };
}

const body = (extra: Record<string, unknown> = {}) => ({
  profile_id: PROFILE,
  storage_path: PATH,
  original_filename: ORIGINAL,
  mime_type: "application/pdf",
  idempotency_key: KEY,
  ...extra,
});

const token = await userToken(USER);

/** Sends one request; every answer must carry CORS and, if an error, nothing identifying. */
async function send(
  deps: IntakeDeps,
  req: Request,
): Promise<{ status: number; json: Record<string, unknown> | null; res: Response }> {
  const res = await createIntakeHandler(deps)(req);
  assertCors(res);
  const text = await res.text();
  if (res.status >= 400) {
    for (const secret of [FILE_NAME, "Jane", "HIV", "Smith", KEY]) {
      assertEquals(text.includes(secret), false, `a ${res.status} answer contains "${secret}"`);
    }
    assertEquals(text.includes("    at "), false, "no stack trace");
  }
  return { status: res.status, json: text ? JSON.parse(text) : null, res };
}

const postBody = (b: unknown, headers: Record<string, string> = {}, t = token) =>
  post(URL_, b, { token: t, headers });

function errorOf(json: Record<string, unknown> | null) {
  return (json as { error: { code: string; field?: string; message: string } }).error;
}

function assertNothingTouched(calls: Recorded) {
  assertEquals(calls.access.length + calls.sizes.length + calls.creates.length, 0);
}

Deno.test("OPTIONS is the CORS preflight; other methods than POST are 405; nothing is called", async () => {
  const { deps, calls } = createMockDeps();
  const pre = await send(deps, new Request(URL_, { method: "OPTIONS" }));
  assertEquals(pre.status, 204);
  for (const method of ["GET", "PUT", "DELETE", "PATCH"]) {
    const res = await send(deps, new Request(URL_, { method }));
    assertEquals(res.status, 405, method);
    assertEquals(errorOf(res.json).code, "method_not_allowed");
  }
  assertNothingTouched(calls);
});

Deno.test("201: the job is created with the user from the token and the size from Storage", async () => {
  const { deps, calls } = createMockDeps();
  const res = await send(deps, postBody(body()));
  assertEquals(res.status, 201);
  assertEquals(res.json, {
    shell_file_id: SHELL_FILE_ID,
    job_id: JOB_ID,
    status: "queued",
    created: true,
  });
  assertEquals(calls.access, [[USER, PROFILE]]);
  assertEquals(calls.sizes, [["medical-docs", PATH]]);
  assertEquals(calls.creates, [{
    p_user_id: USER,
    p_profile_id: PROFILE,
    p_storage_path: PATH,
    p_original_filename: ORIGINAL,
    p_mime_type: "application/pdf",
    p_file_size_bytes: 2 * MiB,
    p_estimated_pages: 21,
    p_idempotency_key: KEY,
    p_estimated_tokens: 21 * 1500,
  }]);
});

Deno.test("the caller cannot supply the size, the user or the status", async () => {
  for (const extra of [{ file_size_bytes: 10 }, { user_id: USER }, { status: "completed" }]) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body(extra)));
    assertEquals([res.status, errorOf(res.json).field], [400, "body"]);
    assertNothingTouched(calls);
  }
});

Deno.test("200 on an idempotent replay, with the same ids and created: false", async () => {
  const { deps } = createMockDeps({
    createShellFileJob: () =>
      Promise.resolve({
        data: {
          shell_file_id: SHELL_FILE_ID,
          job_id: JOB_ID,
          status: "processing",
          created: false,
        },
        error: null,
      }),
  });
  const res = await send(deps, postBody(body()));
  assertEquals(res.status, 200);
  assertEquals(res.json, {
    shell_file_id: SHELL_FILE_ID,
    job_id: JOB_ID,
    status: "processing",
    created: false,
  });
});

Deno.test("no original_filename: null, for the RPC to name the file after the path; ids compared case-insensitively", async () => {
  for (
    const [profile_id, folder] of [[PROFILE.toUpperCase(), PROFILE], [
      PROFILE,
      PROFILE.toUpperCase(),
    ]]
  ) {
    const { deps, calls } = createMockDeps();
    const storage_path = `${folder}/2024/scan 1.png`;
    const res = await send(
      deps,
      postBody({ profile_id, storage_path, mime_type: "image/png", idempotency_key: KEY }),
    );
    assertEquals(res.status, 201);
    assertEquals(calls.creates[0].p_profile_id, PROFILE);
    assertEquals(calls.creates[0].p_storage_path, storage_path);
    assertEquals(calls.creates[0].p_original_filename, null);
    assertEquals(calls.creates[0].p_estimated_pages, 1);
    assertEquals(calls.creates[0].p_estimated_tokens, 1500);
  }
});

Deno.test("401 without a usable token; 403 user_required for the anon key, the service key and other roles", async () => {
  const refusals: Array<[Request, number, string]> = [
    [post(URL_, body()), 401, "unauthorized"],
    [post(URL_, body(), { token: "not-a-jwt" }), 401, "unauthorized"],
    [postBody(body(), {}, keys.anonKey), 403, "user_required"],
    [postBody(body(), {}, keys.serviceRoleKey), 403, "user_required"],
    [postBody(body(), {}, await tokenWithClaims({ role: "authenticated" })), 403, "user_required"],
    [
      postBody(body(), {}, await tokenWithClaims({ role: "authenticated", sub: "x' or 1=1" })),
      403,
      "user_required",
    ],
  ];
  for (const [req, status, code] of refusals) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, req);
    assertEquals([res.status, errorOf(res.json).code], [status, code]);
    assertNothingTouched(calls);
  }
});

Deno.test("the body: 415 when not JSON, 400 when not valid JSON or UTF-8, 413 when too large", async () => {
  const cases: Array<[Request, number, string]> = [
    [postBody(body(), { "content-type": "text/plain" }), 415, "unsupported_media_type"],
    [postBody("{", {}), 400, "invalid_json"],
    [
      new Request(URL_, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]),
      }),
      400,
      "invalid_json",
    ],
    [
      postBody(body({ original_filename: "x".repeat(MAX_INTAKE_BODY_BYTES) })),
      413,
      "body_too_large",
    ],
  ];
  for (const [req, status, code] of cases) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, req);
    assertEquals([res.status, errorOf(res.json).code], [status, code]);
    assertNothingTouched(calls);
  }
});

Deno.test("400 naming the field for each malformed field; nothing is read or written", async () => {
  const cases: Array<[unknown, string]> = [
    [[body()], "body"],
    [JSON.stringify("Jane Doe"), "body"], // a JSON string, not an object
    [body({ profile_id: undefined }), "profile_id"],
    [body({ profile_id: "Jane Doe" }), "profile_id"],
    [body({ profile_id: `${PROFILE}'; drop table shell_files; --` }), "profile_id"],
    [body({ storage_path: undefined }), "storage_path"],
    [body({ storage_path: 42 }), "storage_path"],
    [body({ original_filename: "" }), "original_filename"],
    [body({ original_filename: "   " }), "original_filename"],
    [body({ original_filename: "x".repeat(256) }), "original_filename"],
    [body({ original_filename: "Jane\u0000Doe.pdf" }), "original_filename"],
    [body({ mime_type: undefined }), "mime_type"],
    [body({ mime_type: ["application/pdf"] }), "mime_type"],
    [body({ idempotency_key: "short" }), "idempotency_key"],
    [body({ idempotency_key: "k".repeat(201) }), "idempotency_key"],
    [body({ idempotency_key: "Jane\u0000Doe-key" }), "idempotency_key"],
    [body({ idempotency_key: undefined }), "idempotency_key"],
  ];
  for (const [b, field] of cases) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(b));
    assertEquals([res.status, errorOf(res.json).code, errorOf(res.json).field], [
      400,
      "invalid_request",
      field,
    ], JSON.stringify(b).slice(0, 80));
    assert(errorOf(res.json).message.startsWith(field), errorOf(res.json).message);
    assertNothingTouched(calls);
  }
});

Deno.test("400 storage_path unless it is a plain relative path inside the profile's folder", async () => {
  const other = "9e8d7c6b-5a49-4382-b1a0-f9e8d7c6b5a4";
  const paths = [
    `${other}/${FILE_NAME}`, // another profile's folder
    FILE_NAME, // no folder
    `${PROFILE}`, // the folder itself
    `${PROFILE}/`,
    `/${PATH}`,
    `${PROFILE}//${FILE_NAME}`,
    `${PROFILE}/../${other}/${FILE_NAME}`,
    `${PROFILE}/./${FILE_NAME}`,
    `${PROFILE}/${FILE_NAME}/..`,
    `${PROFILE}/ /${FILE_NAME}`,
    `${PROFILE}\\${FILE_NAME}`,
    `${PROFILE}/sub\\..\\${FILE_NAME}`,
    `${PROFILE}/${FILE_NAME}?x=1`,
    `${PROFILE}/${FILE_NAME}#frag`,
    `${PROFILE}/%2e%2e/${FILE_NAME}`,
    `${PROFILE}/Jane\nDoe.pdf`,
    `${PROFILE}/Jane\ud800Doe.pdf`,
    `${PROFILE}/${"é".repeat(600)}`, // 1037 code points... and over 1024 bytes
    `${PROFILE}/${"日".repeat(400)}`, // 437 code points but 1237 bytes
  ];
  for (const storage_path of paths) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body({ storage_path })));
    assertEquals([res.status, errorOf(res.json).field], [400, "storage_path"], storage_path);
    assertNothingTouched(calls);
  }
});

Deno.test("415 naming mime_type for a type outside the allow-list", async () => {
  for (const mime_type of ["text/html", "application/PDF", "image/gif", "", "application/pdf; x"]) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body({ mime_type })));
    assertEquals([res.status, errorOf(res.json).code, errorOf(res.json).field], [
      415,
      "unsupported_mime_type",
      "mime_type",
    ]);
    assertNothingTouched(calls);
  }
  for (const mime_type of ["image/png", "image/jpeg", "image/tiff"]) {
    const { deps } = createMockDeps();
    assertEquals((await send(deps, postBody(body({ mime_type })))).status, 201, mime_type);
  }
});

Deno.test("Idempotency-Key header: used when the body has none; must match the body's when both", async () => {
  const headerKey = "header-key-0001";
  {
    const { deps, calls } = createMockDeps();
    const res = await send(
      deps,
      postBody(body({ idempotency_key: undefined }), { "idempotency-key": headerKey }),
    );
    assertEquals(res.status, 201);
    assertEquals(calls.creates[0].p_idempotency_key, headerKey);
  }
  {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body(), { "idempotency-key": KEY }));
    assertEquals(res.status, 201);
    assertEquals(calls.creates[0].p_idempotency_key, KEY);
  }
  const refused: Array<[Record<string, string>, Record<string, unknown>, string]> = [
    [{ "idempotency-key": headerKey }, {}, "idempotency_key"],
    [{ "idempotency-key": "short" }, { idempotency_key: undefined }, "Idempotency-Key"],
    [{ "idempotency-key": "k".repeat(201) }, { idempotency_key: undefined }, "Idempotency-Key"],
  ];
  for (const [headers, extra, field] of refused) {
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body(extra), headers));
    assertEquals([res.status, errorOf(res.json).field], [400, field], JSON.stringify(headers));
    assertNothingTouched(calls);
  }
});

Deno.test("403 no_profile_access before Storage is read, so file existence cannot be probed", async () => {
  const { deps, calls } = createMockDeps({
    hasProfileAccess: () => Promise.resolve({ data: false, error: null }),
  });
  const res = await send(deps, postBody(body()));
  assertEquals([res.status, errorOf(res.json).code], [403, "no_profile_access"]);
  assertEquals(calls.sizes.length + calls.creates.length, 0);
});

Deno.test("404 when nothing is stored at the path; create_shell_file_job is not called", async () => {
  const { deps, calls } = createMockDeps({ objectSize: () => Promise.resolve(null) });
  const res = await send(deps, postBody(body()));
  assertEquals([res.status, errorOf(res.json).code, errorOf(res.json).field], [
    404,
    "object_not_found",
    "storage_path",
  ]);
  assertEquals(calls.creates.length, 0);
});

Deno.test("413 above 50 MiB (Storage's size), exactly 50 MiB accepted; 400 for an empty object", async () => {
  const sized = async (size: number) => {
    const { deps, calls } = createMockDeps({ objectSize: () => Promise.resolve(size) });
    const res = await send(deps, postBody(body()));
    return { res, calls };
  };
  const over = await sized(50 * MiB + 1);
  assertEquals([over.res.status, errorOf(over.res.json).code], [413, "file_too_large"]);
  assertEquals(over.calls.creates.length, 0);
  const empty = await sized(0);
  assertEquals([empty.res.status, errorOf(empty.res.json).code], [400, "empty_file"]);
  assertEquals(empty.calls.creates.length, 0);
  const limit = await sized(50 * MiB);
  assertEquals(limit.res.status, 201);
  assertEquals(limit.calls.creates[0].p_file_size_bytes, 50 * MiB);
  assertEquals(limit.calls.creates[0].p_estimated_pages, 500);
});

const refusedBy = (code: string, message: string) => (): Promise<DbResult<never>> =>
  Promise.resolve({ data: null, error: { code, message } });

Deno.test("create_shell_file_job's refusals: 42501 → 403, reused key or path → 409, queue full → 503", async () => {
  const cases: Array<[string, string, number, string]> = [
    ["42501", "create_shell_file_job: no access to this profile", 403, "no_profile_access"],
    [
      "22023",
      "create_shell_file_job: idempotency_key was already used for a different upload",
      409,
      "idempotency_conflict",
    ],
    [
      "22023",
      "create_shell_file_job: p_storage_path was already submitted with another idempotency_key",
      409,
      "already_submitted",
    ],
    ["54000", "enqueue_job_v3: queue depth limit reached", 503, "queue_full"],
  ];
  for (const [sqlstate, message, status, code] of cases) {
    const { deps, calls } = createMockDeps({ createShellFileJob: refusedBy(sqlstate, message) });
    const res = await send(deps, postBody(body()));
    assertEquals([res.status, errorOf(res.json).code], [status, code], sqlstate);
    assertEquals(calls.creates.length, 1);
    assertEquals(calls.logs, []);
  }
  const { deps } = createMockDeps({ createShellFileJob: refusedBy("54000", "full") });
  assertEquals((await send(deps, postBody(body()))).res.headers.get("retry-after"), "60");
});

Deno.test("any other 22023 about a field the caller chose is a 400 naming that field (a backstop for RPC rules)", async () => {
  const cases: Array<[string, string]> = [
    ["storage_path", "create_shell_file_job: p_storage_path must not contain control characters"],
    ["original_filename", "create_shell_file_job: p_original_filename must be 1 to 255 characters"],
    ["idempotency_key", "create_shell_file_job: p_idempotency_key must be 8 to 200 characters"],
    ["mime_type", "create_shell_file_job: p_mime_type must be one of the allowed types"],
  ];
  for (const [field, message] of cases) {
    const { deps, calls } = createMockDeps({ createShellFileJob: refusedBy("22023", message) });
    const res = await send(deps, postBody(body()));
    assertEquals(res.status, 400, field);
    assertEquals(errorOf(res.json), { code: "invalid_request", field, message: message.replace(/^create_shell_file_job: p_/, "") });
    assertEquals(calls.logs, [], "a refusal, not an error to log");
  }
});

Deno.test("500 internal_error with a reference for anything unexpected; the detail is only logged", async () => {
  const failures: Array<Partial<IntakeDeps>> = [
    { createShellFileJob: refusedBy("22023", `create_shell_file_job: bad path ${PATH}`) },
    { createShellFileJob: refusedBy("XX000", `something broke near ${FILE_NAME}`) },
    { hasProfileAccess: refusedBy("08006", "connection failure") },
    { objectSize: () => Promise.reject(new Error(`storage down while reading ${PATH}`)) },
    { createShellFileJob: () => Promise.reject(new TypeError("fetch failed")) },
  ];
  for (const overrides of failures) {
    const { deps, calls } = createMockDeps({ ...overrides, requestId: () => "ref-42" });
    const res = await send(deps, postBody(body()));
    assertEquals(res.status, 500);
    assertEquals(res.json, {
      error: { code: "internal_error", message: "unexpected error (reference ref-42)" },
    });
    assertEquals(calls.logs.length, 1);
    assertEquals(calls.logs[0].request_id, "ref-42");
    assert(String(calls.logs[0].error).length > 0);
  }
});

Deno.test("estimates: PDFs one page per 100 KiB, clamped to 1..500; images one page; 1500 tokens a page", () => {
  assertEquals(estimatePages("application/pdf", 1), 1);
  assertEquals(estimatePages("application/pdf", 100 * 1024), 1);
  assertEquals(estimatePages("application/pdf", 100 * 1024 + 1), 2);
  assertEquals(estimatePages("application/pdf", 50 * MiB), 500);
  assertEquals(estimatePages("image/tiff", 40 * MiB), 1);
  assertEquals(estimatePages("image/jpeg", 1), 1);
  assertEquals(estimateTokens(7), 10_500);
});

Deno.test("property: hostile strings in any field are refused naming that field, or passed through exactly", async () => {
  const next = random(20261122);
  const seen = { accepted: 0, refused: 0 };
  for (let i = 0; i < 600; i++) {
    const field = ["profile_id", "storage_path", "original_filename", "idempotency_key"][i % 4];
    const hostile = hostileString(next, i % 2 ? 6 : 24);
    const value = field === "storage_path" ? `${PROFILE}/${hostile}` : hostile;
    const { deps, calls } = createMockDeps();
    const res = await send(deps, postBody(body({ [field]: value })));
    seen[res.status === 201 ? "accepted" : "refused"]++;
    if (res.status === 201) {
      // Accepted: the exact string reached the RPC as a parameter, and it is text Postgres
      // can store.
      const sent = calls.creates[0] as unknown as Record<string, string>;
      assertEquals(sent[`p_${field}`], value);
      // deno-lint-ignore no-control-regex -- asserting that no control character got through
      assert(value.isWellFormed() && !/[\u0000-\u001f\u007f]/.test(value), JSON.stringify(value));
      if (field === "storage_path") {
        assert(!value.split("/").some((s) => s === ".." || s === "." || s.trim() === ""));
        assert(!/[\\?#%]/.test(value));
      }
    } else {
      assertEquals([res.status, errorOf(res.json).field], [400, field], JSON.stringify(value));
      assertNothingTouched(calls);
    }
  }
  assert(seen.accepted >= 30 && seen.refused >= 30, JSON.stringify(seen)); // both paths exercised
});

Deno.test("property: huge strings are refused by the body limit or naming the field", async () => {
  const next = random(99);
  for (const size of [1025, 5000, 15_000, 20_000, 1_000_000]) {
    for (const field of ["storage_path", "original_filename", "idempotency_key", "profile_id"]) {
      const huge = hostileString(next, 4).repeat(size).slice(0, size);
      const { deps, calls } = createMockDeps();
      const res = await send(deps, postBody(body({ [field]: `${PROFILE}/${huge}` })));
      const error = errorOf(res.json);
      if (res.status === 413) assertEquals(error.code, "body_too_large");
      else assertEquals([res.status, error.field], [400, field], `${field} ${size}`);
      assertNothingTouched(calls);
    }
  }
});
