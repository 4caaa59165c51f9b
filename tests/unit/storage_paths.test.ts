// The Storage stand-in's routing and name checks: which request is which operation, and which
// bucket ids and object names never reach the disk.

import { assertEquals, assertThrows } from "@std/assert";
import { StorageHttpError } from "../../stack/storage/errors.ts";
import {
  parseObjectPath,
  validateBucketId,
  validateObjectName,
} from "../../stack/storage/paths.ts";
import { matchRoute } from "../../stack/storage/routes.ts";

function refused(fn: () => unknown, code: string, messagePart: string) {
  const error = assertThrows(fn, StorageHttpError);
  assertEquals(error.code, code);
  assertEquals(error.statusCode, 400);
  if (!error.message.includes(messagePart)) {
    throw new Error(`expected "${messagePart}" in "${error.message}"`);
  }
}

Deno.test("object names: ordinary nested names pass unchanged", () => {
  for (
    const name of [
      "a.pdf",
      "uid/a.pdf",
      "uid/sub dir/ünï cødé (1).pdf",
      "a/b/c/d.tar.gz",
      "..a/b..",
      ".hidden",
    ]
  ) {
    assertEquals(validateObjectName(name), name);
  }
});

Deno.test("object names: traversal, absolute, empty segments, NUL and control characters are refused, naming the problem", () => {
  refused(() => validateObjectName("uid/../other/a.pdf"), "InvalidKey", '".." segment');
  refused(() => validateObjectName(".."), "InvalidKey", '".." segment');
  refused(() => validateObjectName("uid/./a.pdf"), "InvalidKey", '"." segment');
  refused(() => validateObjectName("/etc/passwd"), "InvalidKey", "absolute");
  refused(() => validateObjectName("uid//a.pdf"), "InvalidKey", "empty path segment");
  refused(() => validateObjectName("uid/"), "InvalidKey", "empty path segment");
  refused(() => validateObjectName("uid/a\0.pdf"), "InvalidKey", "NUL");
  refused(() => validateObjectName("uid/a\n.pdf"), "InvalidKey", "control character");
  refused(() => validateObjectName("uid\\..\\a"), "InvalidKey", "backslash");
  refused(() => validateObjectName(""), "InvalidKey", "empty");
  refused(() => validateObjectName("x".repeat(1025)), "InvalidKey", "1024 bytes");
});

Deno.test("bucket ids: slashes, dot names and surrounding whitespace are refused", () => {
  assertEquals(validateBucketId("docs"), "docs");
  refused(() => validateBucketId("a/b"), "InvalidBucketName", "slash");
  refused(() => validateBucketId(".."), "InvalidBucketName", 'starts with "."');
  refused(() => validateBucketId(".tmp"), "InvalidBucketName", 'starts with "."');
  refused(() => validateBucketId(" docs"), "InvalidBucketName", "whitespace");
  refused(() => validateBucketId(""), "InvalidBucketName", "missing");
  refused(() => validateBucketId("x".repeat(101)), "InvalidBucketName", "100 characters");
});

Deno.test("object paths are percent-decoded before they are checked, so encoded traversal is caught", () => {
  assertEquals(parseObjectPath("docs/uid/my%20file.pdf"), {
    bucket: "docs",
    name: "uid/my file.pdf",
  });
  refused(() => parseObjectPath("docs/uid/..%2Fother%2Fa.pdf"), "InvalidKey", '".." segment');
  refused(() => parseObjectPath("docs/uid/%00.pdf"), "InvalidKey", "NUL");
  refused(() => parseObjectPath("docs/%E0%A4%A"), "InvalidRequest", "percent-encoding");
  refused(() => parseObjectPath("docs"), "InvalidKey", "<bucket>/<object name>");
});

Deno.test("routes: the calls storage-js makes map to their operations", () => {
  const ref = { bucket: "docs", name: "uid/a.pdf" };
  assertEquals(matchRoute("POST", "/bucket"), { op: "createBucket" });
  assertEquals(matchRoute("GET", "/bucket"), { op: "listBuckets" });
  assertEquals(matchRoute("GET", "/bucket/docs"), { op: "getBucket", bucket: "docs" });
  assertEquals(matchRoute("PUT", "/bucket/docs"), { op: "updateBucket", bucket: "docs" });
  assertEquals(matchRoute("DELETE", "/bucket/docs"), { op: "deleteBucket", bucket: "docs" });
  assertEquals(matchRoute("POST", "/bucket/docs/empty"), { op: "emptyBucket", bucket: "docs" });
  assertEquals(matchRoute("POST", "/object/docs/uid/a.pdf"), {
    op: "upload",
    method: "POST",
    ...ref,
  });
  assertEquals(matchRoute("PUT", "/object/docs/uid/a.pdf"), {
    op: "upload",
    method: "PUT",
    ...ref,
  });
  assertEquals(matchRoute("GET", "/object/docs/uid/a.pdf"), {
    op: "download",
    head: false,
    ...ref,
  });
  assertEquals(matchRoute("HEAD", "/object/docs/uid/a.pdf"), {
    op: "download",
    head: true,
    ...ref,
  });
  assertEquals(matchRoute("GET", "/object/authenticated/docs/uid/a.pdf"), {
    op: "download",
    head: false,
    ...ref,
  });
  assertEquals(matchRoute("GET", "/object/info/docs/uid/a.pdf"), { op: "info", ...ref });
  assertEquals(matchRoute("GET", "/object/info/authenticated/docs/uid/a.pdf"), {
    op: "info",
    ...ref,
  });
  assertEquals(matchRoute("GET", "/object/info/public/docs/uid/a.pdf"), {
    op: "infoPublic",
    ...ref,
  });
  assertEquals(matchRoute("GET", "/object/public/docs/uid/a.pdf"), {
    op: "getPublic",
    head: false,
    ...ref,
  });
  assertEquals(matchRoute("POST", "/object/sign/docs/uid/a.pdf"), { op: "sign", ...ref });
  assertEquals(matchRoute("POST", "/object/sign/docs"), { op: "signMany", bucket: "docs" });
  assertEquals(matchRoute("GET", "/object/sign/docs/uid/a.pdf"), { op: "getSigned", ...ref });
  assertEquals(matchRoute("POST", "/object/list/docs"), { op: "list", bucket: "docs" });
  assertEquals(matchRoute("DELETE", "/object/docs"), { op: "removeMany", bucket: "docs" });
  assertEquals(matchRoute("DELETE", "/object/docs/uid/a.pdf"), { op: "remove", ...ref });
  assertEquals(matchRoute("POST", "/object/move"), { op: "move" });
  assertEquals(matchRoute("POST", "/object/copy"), { op: "copy" });
});

Deno.test("routes: unknown ones are null, and a bad name in a known one is refused", () => {
  assertEquals(matchRoute("GET", "/nope"), null);
  assertEquals(matchRoute("PATCH", "/object/docs/a.pdf"), null);
  assertEquals(matchRoute("POST", "/bucket/docs/other"), null);
  refused(
    () => matchRoute("POST", "/object/docs/uid/..%2F..%2Fescape"),
    "InvalidKey",
    '".." segment',
  );
  refused(() => matchRoute("GET", "/object/sign/docs/a//b"), "InvalidKey", "empty path segment");
});
