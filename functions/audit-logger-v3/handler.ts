// Audit events from clients and from other functions, written in one all-or-nothing batch.
// A user's events are recorded under their id, and log_audit_events refuses any event about a
// patient they cannot access; the service credential writes as the system (actor null).

import { validateServiceRoleAuth, validateUserAuth } from "../_shared/auth.ts";
import { type FrameDeps, postHandler } from "../_shared/handler.ts";
import { errorResponse, json, readJsonBody } from "../_shared/http.ts";
import { DbFailure, type DbResult } from "../_shared/supabase.ts";
import { validate } from "../_shared/validation.ts";
import { AuditBatch, type AuditEvent } from "./request.ts";

export interface AuditLoggerDeps extends FrameDeps {
  serviceRoleKey: string;
  /** log_audit_events(p_actor_id, p_events): the new rows' ids, in the events' order. */
  logAuditEvents(actorId: string | null, events: AuditEvent[]): Promise<DbResult<number[]>>;
}

export const MAX_AUDIT_BODY_BYTES = 256 * 1024;

type Actor = { ok: true; actorId: string | null } | { ok: false; response: Response };

function actorOf(req: Request, serviceRoleKey: string): Actor {
  if (validateServiceRoleAuth(req, serviceRoleKey).ok) return { ok: true, actorId: null };
  const user = validateUserAuth(req);
  if (user.ok) return { ok: true, actorId: user.userId };
  return {
    ok: false,
    response: user.status === 401
      ? errorResponse(401, "unauthorized", user.message)
      : errorResponse(403, "forbidden", "this function is for signed-in users and the service"),
  };
}

export function createAuditLoggerHandler(
  deps: AuditLoggerDeps,
): (req: Request) => Promise<Response> {
  return postHandler(deps, async (req) => {
    const actor = actorOf(req, deps.serviceRoleKey);
    if (!actor.ok) return actor.response;

    const body = await readJsonBody(req, MAX_AUDIT_BODY_BYTES);
    if (body instanceof Response) return body;
    const parsed = validate(AuditBatch, body);
    if (!parsed.ok) {
      return errorResponse(400, "invalid_request", parsed.problem.message, parsed.problem.field);
    }

    const result = await deps.logAuditEvents(actor.actorId, parsed.data.events);
    if (result.error) {
      if (result.error.code === "42501") {
        // The RPC names the first refused event by position ("p_events[3]"), never its patient,
        // and whether the patient or the job is the one the user has no access to.
        const at = /p_events\[(\d+)\]/.exec(result.error.message)?.[1];
        const job = /the job of p_events/.test(result.error.message);
        return errorResponse(
          403,
          "no_profile_access",
          job
            ? "an event names a job you do not have access to; nothing was logged"
            : "an event names a patient you do not have access to; nothing was logged",
          at === undefined ? undefined : `events[${at}].${job ? "job_id" : "patient_id"}`,
        );
      }
      throw new DbFailure("log_audit_events", result.error);
    }
    return json(201, { logged: result.data.length, ids: result.data });
  });
}
