// How the Storage stand-in reads uploads and list requests, checks bucket limits, and renders
// errors the way storage-js reads them. No database.

import { assert, assertEquals, assertRejects, assertThrows } from "@std/assert";
import { readUpload } from "../../stack/storage/body.ts";
import { fromDatabaseError, StorageHttpError } from "../../stack/storage/errors.ts";
import {
  checkUpload,
  GLOBAL_FILE_SIZE_LIMIT,
  mimeTypeAllowed,
  parseFileSizeLimit,
} from "../../stack/storage/limits.ts";
import { listOptions, startsWithPattern } from "../../stack/storage/list.ts";
import { boundaryOf, parseMultipart } from "../../stack/storage/multipart.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

Deno.test("multipart: a file part with an empty field name (storage-js Blob uploads) is read", async () => {
  // Exactly what storage-js's prepareUploadFormData builds for upload(path, blob).
  const form = new FormData();
  form.append("cacheControl", "3600");
  form.append("metadata", JSON.stringify({ origin: "unit" }));
  form.append("", new Blob(["%PDF-1.7 bytes\r\n--not-a-boundary"], { type: "application/pdf" }));
  const req = new Request("http://local/object/docs/a.pdf", { method: "POST", body: form });
  const upload = await readUpload(req, 1024, "docs/a.pdf");
  assertEquals(text(upload.bytes), "%PDF-1.7 bytes\r\n--not-a-boundary");
  assertEquals(upload.contentType, "application/pdf");
  assertEquals(upload.cacheControl, "max-age=3600");
  assertEquals(upload.userMetadata, { origin: "unit" });
});

Deno.test("multipart: the parser splits parts and keeps binary data intact", () => {
  const body = new TextEncoder().encode(
    '--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n' +
      '--XyZ\r\nContent-Disposition: form-data; name=""; filename="f.bin"\r\nContent-Type: image/png\r\n\r\n\x00\x01\r\n\r\n' +
      "--XyZ--\r\n",
  );
  assertEquals(boundaryOf('multipart/form-data; boundary="XyZ"'), "XyZ");
  const parts = parseMultipart(body, "XyZ");
  assertEquals(parts.map((p) => [p.name, p.filename, p.contentType, [...p.data]]), [
    ["a", null, null, [0x31]],
    ["", "f.bin", "image/png", [0, 1, 13, 10]],
  ]);
  assertThrows(() => parseMultipart(body, "other"), Error, "boundary");
});

Deno.test("raw uploads take content-type, cache-control and base64 x-metadata from headers", async () => {
  const req = new Request("http://local/object/docs/a.txt", {
    method: "POST",
    body: "hello",
    headers: {
      "content-type": "text/plain;charset=UTF-8",
      "cache-control": "max-age=60",
      "x-metadata": btoa(JSON.stringify({ a: 1 })),
    },
  });
  const upload = await readUpload(req, 1024, "docs/a.txt");
  assertEquals([text(upload.bytes), upload.contentType, upload.cacheControl], [
    "hello",
    "text/plain;charset=UTF-8",
    "max-age=60",
  ]);
  assertEquals(upload.userMetadata, { a: 1 });
});

Deno.test("an upload whose content-length is far over the limit is refused before it is read", async () => {
  const req = new Request("http://local/x", {
    method: "POST",
    body: "x",
    headers: { "content-length": String(10 * 1024 * 1024) },
  });
  const error = await assertRejects(() => readUpload(req, 1024, "docs/x"), StorageHttpError);
  assertEquals([error.statusCode, error.code], [413, "EntityTooLarge"]);
});

Deno.test("file_size_limit accepts byte counts and 20MB-style strings, and rejects the rest", () => {
  assertEquals(parseFileSizeLimit(1024), 1024);
  assertEquals(parseFileSizeLimit("3B"), 3);
  assertEquals(parseFileSizeLimit("30KB"), 30_000);
  assertEquals(parseFileSizeLimit("20mb"), 20_000_000);
  assertEquals(parseFileSizeLimit("1GB"), 1_000_000_000);
  assertEquals(parseFileSizeLimit(null), null);
  assertThrows(
    () => parseFileSizeLimit("20 parsecs"),
    StorageHttpError,
    "Invalid file size format",
  );
  assertThrows(() => parseFileSizeLimit(-1), StorageHttpError, "Invalid file size format");
});

Deno.test("allowed_mime_types matches exact types and type/* wildcards, ignoring parameters", () => {
  assert(mimeTypeAllowed("image/png", ["image/*"]));
  assert(mimeTypeAllowed("text/plain;charset=UTF-8", ["text/plain"]));
  assert(mimeTypeAllowed("Application/PDF", ["application/pdf"]));
  assert(!mimeTypeAllowed("application/pdf", ["image/*", "text/plain"]));
  assert(!mimeTypeAllowed("text/html", ["text/plain"]));
  assert(!mimeTypeAllowed("garbage", ["*/*"]));
});

Deno.test("bucket limits refuse with the size or type and the object named", () => {
  const bucket = { file_size_limit: 10, allowed_mime_types: ["text/plain"] };
  checkUpload(bucket, "docs/ok.txt", 10, "text/plain");
  const big = assertThrows(
    () => checkUpload(bucket, "docs/big.txt", 11, "text/plain"),
    StorageHttpError,
  );
  assertEquals([big.statusCode, big.code], [413, "EntityTooLarge"]);
  assertEquals(
    big.message,
    "The object exceeded the maximum allowed size: docs/big.txt is 11 bytes, the limit is 10 bytes",
  );
  const pdf = assertThrows(
    () => checkUpload(bucket, "docs/a.pdf", 1, "application/pdf"),
    StorageHttpError,
  );
  assertEquals([pdf.statusCode, pdf.code], [415, "InvalidMimeType"]);
  assertEquals(
    pdf.message,
    "mime type application/pdf is not supported: docs/a.pdf may only be text/plain",
  );
  // No bucket limit still means the global one.
  const huge = assertThrows(
    () =>
      checkUpload(
        { file_size_limit: null, allowed_mime_types: null },
        "docs/huge",
        GLOBAL_FILE_SIZE_LIMIT + 1,
        "a/b",
      ),
    StorageHttpError,
  );
  assertEquals(huge.code, "EntityTooLarge");
});

Deno.test("errors render as hosted Storage does: HTTP 400 with the real status in statusCode", async () => {
  const refused = fromDatabaseError(
    { code: "42501", message: 'new row violates row-level security policy for table "objects"' },
    'object "docs/u/a.pdf"',
  );
  const res = refused.response();
  assertEquals(res.status, 400);
  assertEquals(await res.json(), {
    statusCode: "403",
    code: "AccessDenied",
    error: "Unauthorized",
    message: 'new row violates row-level security policy for object "docs/u/a.pdf"',
  });
  assertEquals(fromDatabaseError({ code: "23505", message: "dup" }, "x").code, "KeyAlreadyExists");
  const internal = fromDatabaseError(new Error("boom"), "x");
  assertEquals([internal.code, internal.response().status], ["InternalError", 500]);
});

Deno.test("list requests: the prefix is a folder, defaults are storage-js's, bad sorts are refused", () => {
  assertEquals(listOptions({ prefix: "uid" }), {
    prefix: "uid/",
    search: "",
    limit: 100,
    offset: 0,
    column: "name",
    ascending: true,
  });
  assertEquals(
    listOptions({ prefix: "/uid/", limit: 5000, sortBy: { column: "created_at", order: "DESC" } })
      .limit,
    1000,
  );
  assertEquals(
    listOptions({ prefix: "", sortBy: { column: "created_at", order: "desc" } }).ascending,
    false,
  );
  assertThrows(
    () => listOptions({ sortBy: { column: "id; drop table x" } }),
    StorageHttpError,
    "sortBy.column",
  );
  assertThrows(() => listOptions({ limit: -1 }), StorageHttpError, "limit");
  assertEquals(startsWithPattern("a_b%c\\"), "a\\_b\\%c\\\\%");
});
