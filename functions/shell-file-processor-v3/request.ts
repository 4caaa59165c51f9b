// The intake request: the JSON body and the Idempotency-Key header, checked before anything
// is read from Storage or written to the database.

import { z } from "zod";
import {
  DOCUMENT_MIME_TYPES,
  type DocumentMimeType,
  isDocumentMimeType,
} from "../_shared/documents.ts";
import { safeText, validate } from "../_shared/validation.ts";

const notBlank = (s: string) => s.trim() !== "";

const IntakeBody = z.strictObject({
  profile_id: z.guid(),
  storage_path: safeText(3, 1024),
  original_filename: safeText(1, 255).refine(notBlank, "must not be blank").optional(),
  mime_type: z.string(),
  idempotency_key: safeText(8, 200).optional(),
});

const IdempotencyHeader = safeText(8, 200);

export interface IntakeRequest {
  profileId: string;
  storagePath: string;
  /** null: create_shell_file_job names the file after the path's last segment. */
  originalFilename: string | null;
  mimeType: DocumentMimeType;
  idempotencyKey: string;
}

export type Parsed =
  | { ok: true; value: IntakeRequest }
  | { ok: false; status: 400 | 415; code: string; field: string; message: string };

const invalid = (field: string, message: string): Parsed => ({
  ok: false,
  status: 400,
  code: "invalid_request",
  field,
  message,
});

export function parseIntakeRequest(body: unknown, idempotencyHeader: string | null): Parsed {
  const parsed = validate(IntakeBody, body);
  if (!parsed.ok) return invalid(parsed.problem.field, parsed.problem.message);
  const b = parsed.data;
  let key = b.idempotency_key;
  if (idempotencyHeader !== null) {
    if (!IdempotencyHeader.safeParse(idempotencyHeader).success) {
      return invalid(
        "Idempotency-Key",
        "the Idempotency-Key header must be 8 to 200 characters, none of them control characters",
      );
    }
    if (key !== undefined && key !== idempotencyHeader) {
      return invalid(
        "idempotency_key",
        "idempotency_key and the Idempotency-Key header differ; send one, or the same in both",
      );
    }
    key = idempotencyHeader;
  }
  if (key === undefined) {
    return invalid(
      "idempotency_key",
      "idempotency_key is required (in the body or the Idempotency-Key header)",
    );
  }

  const profileId = b.profile_id.toLowerCase();
  const pathProblem = storagePathProblem(b.storage_path, profileId);
  if (pathProblem) return invalid("storage_path", `storage_path ${pathProblem}`);
  if (!isDocumentMimeType(b.mime_type)) {
    return {
      ok: false,
      status: 415,
      code: "unsupported_mime_type",
      field: "mime_type",
      message: `mime_type must be one of ${DOCUMENT_MIME_TYPES.join(", ")}`,
    };
  }

  return {
    ok: true,
    value: {
      profileId,
      storagePath: b.storage_path,
      originalFilename: b.original_filename ?? null,
      mimeType: b.mime_type,
      idempotencyKey: key,
    },
  };
}

// supabase-js puts the object name into the URL without encoding it, so "?", "#" and "%"
// would address a different object than the one named; "\" is a separator on some clients.
const UNSAFE_IN_NAME = /[\\?#%]/;

// Line and paragraph separators: control characters to Postgres's [[:cntrl:]] in glibc
// locales (create_shell_file_job refuses them), though not to Unicode. safeText refuses the rest.
const SEPARATORS = /[\u2028\u2029]/;

/** Why `path` is not a plain object name inside `<profileId>/`, or null when it is. */
function storagePathProblem(path: string, profileId: string): string | null {
  const [folder, ...rest] = path.split("/");
  // Case-insensitive, as Storage's policy (folder::uuid) and create_shell_file_job compare it.
  if (folder.toLowerCase() !== profileId || rest.length === 0) {
    return "must lie in the profile's folder: <profile_id>/<file name>";
  }
  for (const segment of rest) {
    if (segment.trim() === "" || segment === "." || segment === "..") {
      return "must be a plain relative path (no empty, blank, '.' or '..' segments)";
    }
    if (UNSAFE_IN_NAME.test(segment)) return "must not contain \\, ?, # or %";
    if (SEPARATORS.test(segment)) return "must not contain control characters";
  }
  // shell_files refuses "../" anywhere: a name ending in ".." that is not the last segment.
  if (path.includes("../")) return 'must not contain "../" (a name ending in "..")';
  if (new TextEncoder().encode(path).byteLength > 1024) return "must be at most 1024 bytes";
  return null;
}
