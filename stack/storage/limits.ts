// A bucket's upload limits (file_size_limit, allowed_mime_types), checked as hosted Storage
// checks them, before anything is written.

import { errors } from "./errors.ts";

/** Hosted Storage's global upload limit on the Free plan; a bucket limit can only lower it. */
export const GLOBAL_FILE_SIZE_LIMIT = 50 * 1024 * 1024;

const UNITS: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9 };

/** `file_size_limit` as the API takes it: a byte count, or a string like "20MB" / "30KB" / "3B". */
export function parseFileSizeLimit(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") {
    if (Number.isInteger(value) && value >= 0) return value;
  } else if (typeof value === "string") {
    const match = /^\s*(\d+)\s*(B|KB|MB|GB)?\s*$/i.exec(value);
    if (match) return Number(match[1]) * UNITS[(match[2] ?? "B").toUpperCase()];
  }
  throw errors.invalidRequest(
    `Invalid file size format ${JSON.stringify(value)}, hint: use 20GB / 20MB / 30KB / 3B`,
  );
}

/** The media type without parameters: "text/plain;charset=UTF-8" is "text/plain". */
export function baseMimeType(contentType: string): string {
  return contentType.split(";")[0].trim().toLowerCase();
}

/** Whether `mimeType` is in `allowed`, where "image/*" allows every image type. */
export function mimeTypeAllowed(mimeType: string, allowed: readonly string[]): boolean {
  const [type, subtype] = baseMimeType(mimeType).split("/");
  if (!type || !subtype) return false;
  return allowed.some((entry) => {
    const [allowedType, allowedSubtype] = baseMimeType(entry).split("/");
    return allowedType === type && (allowedSubtype === "*" || allowedSubtype === subtype);
  });
}

export interface BucketLimits {
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
}

/** Refuses an upload of `size` bytes of `mimeType` to `key` that the bucket does not allow. */
export function checkUpload(
  bucket: BucketLimits,
  key: string,
  size: number,
  mimeType: string,
): void {
  const limit = Math.min(bucket.file_size_limit ?? GLOBAL_FILE_SIZE_LIMIT, GLOBAL_FILE_SIZE_LIMIT);
  if (size > limit) {
    throw errors.tooLarge(
      `The object exceeded the maximum allowed size: ${key} is ${size} bytes, the limit is ${limit} bytes`,
    );
  }
  const allowed = bucket.allowed_mime_types;
  if (allowed && allowed.length > 0 && !mimeTypeAllowed(mimeType, allowed)) {
    throw errors.mimeType(
      `mime type ${baseMimeType(mimeType)} is not supported: ${key} may only be ${
        allowed.join(", ")
      }`,
    );
  }
}
