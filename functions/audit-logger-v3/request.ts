// A batch of audit events, as log_audit_events takes them (and log_audit_event checks each).

import { z } from "zod";
import { jsonbProblem, safeText } from "../_shared/validation.ts";

/** log_audit_event's operations, as audit_log's check constraint lists them. */
export const AUDIT_OPERATIONS = [
  "INSERT",
  "UPDATE",
  "DELETE",
  "SELECT",
  "PROCESS",
  "ACCESS",
  "EXPORT",
] as const;

export const MAX_EVENTS = 100;

/** Deep enough for any record's values; bounded so parsing them cannot run deep. */
export const MAX_NEW_VALUES_DEPTH = 16;

const AuditEvent = z.strictObject({
  table_name: z.string().regex(
    /^[a-z_][a-z0-9_]{0,62}$/,
    "must be a table name: lower-case letters, digits and _, up to 63 characters",
  ),
  record_id: safeText(1, 200).refine((s) => s.trim() !== "", "must not be blank"),
  operation: z.enum(AUDIT_OPERATIONS),
  reason: safeText(1, 1000).optional(),
  patient_id: z.guid().optional(),
  job_id: z.guid().optional(),
  new_values: z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    const problem = jsonbProblem(value, MAX_NEW_VALUES_DEPTH);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }).optional(),
});

export const AuditBatch = z.strictObject({
  events: z.array(AuditEvent).min(1).max(MAX_EVENTS),
});

export type AuditEvent = z.infer<typeof AuditEvent>;
