// Bucket ids and object names. Both become paths on disk (`<storageDir>/<bucket>/<name>`), so
// anything that could leave the bucket's folder, or alias another name, is refused up front.

import { errors } from "./errors.ts";

// deno-lint-ignore no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

/** Decodes one percent-encoded piece of the request path; a bad escape is the caller's fault. */
export function decodePathPart(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw errors.invalidRequest(`${what} is not valid percent-encoding: ${raw}`);
  }
}

/**
 * A bucket id as hosted Storage accepts it (1-100 characters, no slashes), and never starting
 * with "." so it cannot be "..", nor collide with the store's own `.tmp` folder.
 */
export function validateBucketId(id: unknown): string {
  if (typeof id !== "string" || id.length === 0) {
    throw errors.invalidBucketName("Bucket name is missing");
  }
  if (id.length > 100) {
    throw errors.invalidBucketName(`Bucket name is longer than 100 characters: ${id}`);
  }
  if (/[/\\]/.test(id)) throw errors.invalidBucketName(`Bucket name contains a slash: ${id}`);
  if (id.startsWith(".")) throw errors.invalidBucketName(`Bucket name starts with ".": ${id}`);
  if (CONTROL.test(id)) {
    throw errors.invalidBucketName(
      `Bucket name contains a control character: ${JSON.stringify(id)}`,
    );
  }
  if (id.trim() !== id) {
    throw errors.invalidBucketName(
      `Bucket name starts or ends with whitespace: ${JSON.stringify(id)}`,
    );
  }
  return id;
}

/** An object name: relative, "/"-separated, no empty, "." or ".." segment, no NUL or control. */
export function validateObjectName(name: unknown): string {
  if (typeof name !== "string" || name.length === 0) {
    throw errors.invalidKey("Invalid key: the object name is empty");
  }
  const show = JSON.stringify(name);
  if (name.includes("\0")) {
    throw errors.invalidKey(`Invalid key ${show}: it contains a NUL character`);
  }
  if (CONTROL.test(name)) {
    throw errors.invalidKey(`Invalid key ${show}: it contains a control character`);
  }
  if (name.startsWith("/")) {
    throw errors.invalidKey(`Invalid key ${show}: it is absolute (starts with "/")`);
  }
  if (name.includes("\\")) throw errors.invalidKey(`Invalid key ${show}: it contains a backslash`);
  for (const segment of name.split("/")) {
    if (segment === "") {
      throw errors.invalidKey(`Invalid key ${show}: it has an empty path segment`);
    }
    if (segment === "..") {
      throw errors.invalidKey(`Invalid key ${show}: it contains a ".." segment`);
    }
    if (segment === ".") throw errors.invalidKey(`Invalid key ${show}: it contains a "." segment`);
  }
  if (new TextEncoder().encode(name).length > 1024) {
    throw errors.invalidKey(`Invalid key ${show}: it is longer than 1024 bytes`);
  }
  return name;
}

/** Splits `<bucket>/<name...>` (percent-encoded) into a valid bucket id and object name. */
export function parseObjectPath(raw: string): { bucket: string; name: string } {
  const slash = raw.indexOf("/");
  if (slash <= 0) {
    throw errors.invalidKey(`Invalid key: expected <bucket>/<object name>, got "${raw}"`);
  }
  const bucket = validateBucketId(decodePathPart(raw.slice(0, slash), "bucket name"));
  const name = validateObjectName(decodePathPart(raw.slice(slash + 1), "object name"));
  return { bucket, name };
}
