// The real dependencies of shell-file-processor-v3 and audit-logger-v3 against a fake fetch:
// which Storage and PostgREST calls they make with the service credential, and how Storage's
// "no such object" and PostgREST's errors come back.

import { assertEquals, assertRejects } from "@std/assert";
import { createIntakeDeps } from "../../functions/shell-file-processor-v3/deps.ts";
import { createAuditLoggerDeps } from "../../functions/audit-logger-v3/deps.ts";
import { fakeFetch, jsonResponse } from "../support/fake_fetch.ts";

const ENV = { SUPABASE_URL: "http://supabase.test", SUPABASE_SERVICE_ROLE_KEY: "service-key" };
const PROFILE = "0d9c8b7a-6f5e-4d3c-9b2a-1f0e9d8c7b6a";
const PATH = `${PROFILE}/scan 1.pdf`;

Deno.test("intake deps: a missing setting is named, never its value", () => {
  let message = "";
  try {
    createIntakeDeps({ SUPABASE_URL: "not a url", SUPABASE_SERVICE_ROLE_KEY: "secret-value" });
  } catch (error) {
    message = (error as Error).message;
  }
  assertEquals(message, "missing or invalid environment: SUPABASE_URL");
});

Deno.test("objectSize: Storage's object info, read with the service key", async () => {
  const { fetch, calls } = fakeFetch(() =>
    jsonResponse({ name: PATH, size: 1234, content_type: "application/pdf" })
  );
  const deps = createIntakeDeps(ENV, fetch);
  assertEquals(await deps.objectSize("medical-docs", PATH), 1234);
  assertEquals(calls[0].method, "GET");
  assertEquals(
    decodeURI(calls[0].url),
    `http://supabase.test/storage/v1/object/info/medical-docs/${PATH}`,
  );
  assertEquals(calls[0].headers.get("authorization"), "Bearer service-key");
});

Deno.test("objectSize: null for NoSuchKey (current and older Storage) and InvalidKey", async () => {
  const answers = [
    { statusCode: "404", code: "NoSuchKey", error: "not_found", message: "Object not found" },
    { statusCode: "404", error: "not_found", message: "Object not found" },
    { statusCode: "400", code: "InvalidKey", error: "InvalidKey", message: "Invalid key" },
  ];
  for (const answer of answers) {
    const { fetch } = fakeFetch(() => jsonResponse(answer, 400));
    assertEquals(await createIntakeDeps(ENV, fetch).objectSize("medical-docs", PATH), null);
  }
});

Deno.test("objectSize: any other Storage failure is thrown (a 500, not a 404)", async () => {
  const answers = [
    jsonResponse({ statusCode: "404", code: "NoSuchBucket", message: "Bucket not found" }, 400),
    jsonResponse({ statusCode: "403", code: "AccessDenied", message: "denied" }, 400),
    jsonResponse({ statusCode: "500", code: "InternalError", message: "boom" }, 500),
    jsonResponse({ name: PATH }), // no size
  ];
  for (const answer of answers) {
    const { fetch } = fakeFetch(() => answer.clone());
    await assertRejects(() => createIntakeDeps(ENV, fetch).objectSize("medical-docs", PATH));
  }
});

Deno.test("hasProfileAccess and createShellFileJob: the RPCs, their arguments and errors", async () => {
  const row = { shell_file_id: "s", job_id: "j", status: "queued", created: true };
  const { fetch, calls } = fakeFetch((call) =>
    call.url.endsWith("/has_profile_access") ? jsonResponse(true) : jsonResponse([row])
  );
  const deps = createIntakeDeps(ENV, fetch);
  assertEquals(await deps.hasProfileAccess("u", PROFILE), { data: true, error: null });
  assertEquals(calls[0].url, "http://supabase.test/rest/v1/rpc/has_profile_access");
  assertEquals(JSON.parse(calls[0].body), { p_user_id: "u", p_profile_id: PROFILE });
  const args = {
    p_user_id: "u",
    p_profile_id: PROFILE,
    p_storage_path: PATH,
    p_original_filename: "scan 1.pdf",
    p_mime_type: "application/pdf",
    p_file_size_bytes: 10,
    p_estimated_pages: 1,
    p_idempotency_key: "key-00001",
    p_estimated_tokens: 1500,
  };
  assertEquals(await deps.createShellFileJob(args), { data: row, error: null });
  assertEquals(calls[1].url, "http://supabase.test/rest/v1/rpc/create_shell_file_job");
  assertEquals(calls[1].headers.get("authorization"), "Bearer service-key");
  assertEquals(JSON.parse(calls[1].body), args);

  const refused = fakeFetch(() =>
    jsonResponse({
      code: "42501",
      message: "create_shell_file_job: no access",
      details: null,
      hint: null,
    }, 403)
  );
  assertEquals(await createIntakeDeps(ENV, refused.fetch).createShellFileJob(args), {
    data: null,
    error: { code: "42501", message: "create_shell_file_job: no access" },
  });
});

Deno.test("logAuditEvents: log_audit_events with the actor and the events; ids back", async () => {
  const { fetch, calls } = fakeFetch(() => jsonResponse([7, 8]));
  const deps = createAuditLoggerDeps(ENV, fetch);
  assertEquals(deps.serviceRoleKey, "service-key");
  const events = [{ table_name: "shell_files", record_id: "r", operation: "SELECT" as const }];
  assertEquals(await deps.logAuditEvents(null, events), { data: [7, 8], error: null });
  assertEquals(calls[0].url, "http://supabase.test/rest/v1/rpc/log_audit_events");
  assertEquals(JSON.parse(calls[0].body), { p_actor_id: null, p_events: events });
});
