// Intake: a signed-in user registers a document they uploaded to Storage; the answer names
// the shell file and its processing job. Every check that can refuse the request runs before
// create_shell_file_job, so a 4xx writes nothing.

import { validateUserAuth } from "../_shared/auth.ts";
import { DOCUMENTS_BUCKET, MAX_DOCUMENT_BYTES } from "../_shared/documents.ts";
import { type FrameDeps, postHandler } from "../_shared/handler.ts";
import { errorResponse, json, readJsonBody } from "../_shared/http.ts";
import { type DbError, DbFailure, type DbResult } from "../_shared/supabase.ts";
import { estimatePages, estimateTokens } from "./estimate.ts";
import { parseIntakeRequest } from "./request.ts";

/** create_shell_file_job's parameters, by name. */
export interface CreateShellFileJobArgs {
  p_user_id: string;
  p_profile_id: string;
  p_storage_path: string;
  p_original_filename: string | null;
  p_mime_type: string;
  p_file_size_bytes: number;
  p_estimated_pages: number;
  p_idempotency_key: string;
  p_estimated_tokens: number;
}

export interface ShellFileJob {
  shell_file_id: string;
  job_id: string;
  status: string;
  created: boolean;
}

export interface IntakeDeps extends FrameDeps {
  hasProfileAccess(userId: string, profileId: string): Promise<DbResult<boolean>>;
  /** The object's size in bytes as Storage recorded it; null when there is no such object. */
  objectSize(bucket: string, path: string): Promise<number | null>;
  createShellFileJob(args: CreateShellFileJobArgs): Promise<DbResult<ShellFileJob>>;
}

/** The body holds a few short strings; anything near this is not an intake request. */
export const MAX_INTAKE_BODY_BYTES = 16 * 1024;

// One answer whether the profile does not exist or is someone else's, so the status code
// cannot be used to discover profiles.
const noProfileAccess = () =>
  errorResponse(403, "no_profile_access", "you do not have access to this profile", "profile_id");

export function createIntakeHandler(deps: IntakeDeps): (req: Request) => Promise<Response> {
  return postHandler(deps, async (req) => {
    const auth = validateUserAuth(req);
    if (!auth.ok) {
      return errorResponse(
        auth.status,
        auth.status === 401 ? "unauthorized" : "user_required",
        auth.message,
      );
    }

    const body = await readJsonBody(req, MAX_INTAKE_BODY_BYTES);
    if (body instanceof Response) return body;
    const parsed = parseIntakeRequest(body, req.headers.get("idempotency-key"));
    if (!parsed.ok) return errorResponse(parsed.status, parsed.code, parsed.message, parsed.field);
    const request = parsed.value;

    // Access before Storage: otherwise 404 versus 413 would tell anyone which files exist in
    // another profile's folder.
    const access = await deps.hasProfileAccess(auth.userId, request.profileId);
    if (access.error) throw new DbFailure("has_profile_access", access.error);
    if (!access.data) return noProfileAccess();

    const size = await deps.objectSize(DOCUMENTS_BUCKET, request.storagePath);
    if (size === null) {
      return errorResponse(
        404,
        "object_not_found",
        "nothing is stored at storage_path; upload the file first",
        "storage_path",
      );
    }
    if (size > MAX_DOCUMENT_BYTES) {
      return errorResponse(
        413,
        "file_too_large",
        `the file is larger than the limit of ${MAX_DOCUMENT_BYTES} bytes`,
        "storage_path",
      );
    }
    if (size < 1) return errorResponse(400, "empty_file", "the file is empty", "storage_path");

    const pages = estimatePages(request.mimeType, size);
    const result = await deps.createShellFileJob({
      p_user_id: auth.userId,
      p_profile_id: request.profileId,
      p_storage_path: request.storagePath,
      p_original_filename: request.originalFilename,
      p_mime_type: request.mimeType,
      p_file_size_bytes: size,
      p_estimated_pages: pages,
      p_idempotency_key: request.idempotencyKey,
      p_estimated_tokens: estimateTokens(pages),
    });
    if (result.error) return refusal(result.error);
    const job = result.data;
    return json(job.created ? 201 : 200, {
      shell_file_id: job.shell_file_id,
      job_id: job.job_id,
      status: job.status,
      created: job.created,
    });
  });
}

/** create_shell_file_job's refusals the caller can act on; anything else is a 500. */
function refusal(error: DbError): Response {
  if (error.code === "42501") return noProfileAccess();
  // The two 22023s the request's own checks cannot foresee, told apart by the contract's wording.
  if (error.code === "22023" && error.message.includes("already used for a different upload")) {
    return errorResponse(
      409,
      "idempotency_conflict",
      "idempotency_key was already used for a different upload",
      "idempotency_key",
    );
  }
  if (error.code === "22023" && error.message.includes("already submitted")) {
    return errorResponse(
      409,
      "already_submitted",
      "this file was already submitted with another idempotency_key",
      "storage_path",
    );
  }
  // Any other argument create_shell_file_job refuses that the caller chose: a 400 naming the
  // field (its messages name the parameter, never the value). The request's checks mirror the
  // RPC's, so this is a backstop for a rule added there first.
  const callerField = error.code === "22023"
    ? /^create_shell_file_job: p_(storage_path|original_filename|idempotency_key|mime_type) (.+)$/s
      .exec(error.message)
    : null;
  if (callerField) {
    return errorResponse(
      400,
      "invalid_request",
      `${callerField[1]} ${callerField[2]}`,
      callerField[1],
    );
  }
  if (error.code === "54000") {
    return errorResponse(
      503,
      "queue_full",
      "the processing queue is full; try again in a minute",
      undefined,
      { "retry-after": "60" },
    );
  }
  throw new DbFailure("create_shell_file_job", error);
}
