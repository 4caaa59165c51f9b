// zod at the edge: text rules Postgres can store, and validation failures turned into a field
// path and a message written here, never zod's own wording, which can quote the caller's input
// (an unknown key, say) back into the answer.

import { z } from "zod";

// Unicode's control characters (category Cc): C0, DEL and C1, the set Postgres's [[:cntrl:]]
// matches in a UTF-8 database (create_shell_file_job refuses a path holding one).
// deno-lint-ignore no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Unicode code points, as Postgres's length() counts them (zod counts UTF-16 units). */
export function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/**
 * A string Postgres accepts as text: no NUL (text cannot hold it), no lone surrogate (jsonb
 * refuses it), no other control character, and `min..max` code points.
 */
export function safeText(min: number, max: number) {
  return z.string()
    .refine(
      (s) => s.isWellFormed() && !CONTROL.test(s),
      "must not contain control characters or unpaired surrogates",
    )
    .refine((s) => {
      const n = codePoints(s);
      return n >= min && n <= max;
    }, `must be ${min} to ${max} characters long`);
}

/** `events[3].patient_id` for the path ["events", 3, "patient_id"]; `body` for the root. */
export function fieldName(path: readonly PropertyKey[]): string {
  let name = "";
  for (const key of path) {
    name += typeof key === "number" ? `[${key}]` : `${name ? "." : ""}${String(key)}`;
  }
  return name || "body";
}

function describe(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "invalid_type":
      return "input" in issue && issue.input === undefined
        ? "is required"
        : `must be ${article(issue.expected)}`;
    case "too_small":
      return issue.origin === "array"
        ? `must have at least ${issue.minimum} item(s)`
        : `must be at least ${issue.minimum}`;
    case "too_big":
      return issue.origin === "array"
        ? `must have at most ${issue.maximum} item(s)`
        : `must be at most ${issue.maximum}`;
    case "invalid_format":
      return issue.format === "uuid" || issue.format === "guid"
        ? "must be a UUID"
        : `must be a valid ${issue.format}`;
    case "invalid_value":
      return `must be one of ${issue.values.join(", ")}`;
    case "unrecognized_keys":
      return "has fields that are not allowed";
    case "custom":
      return issue.message; // written in our schemas, never derived from the input
    default:
      return "is invalid";
  }
}

function article(expected: string): string {
  return `${/^[aeiou]/.test(expected) ? "an" : "a"} ${expected}`;
}

export interface FieldProblem {
  field: string;
  message: string;
}

// The first problem zod found, as a field path and a message that names it.
function firstProblem(error: z.ZodError): FieldProblem {
  const issue = error.issues[0];
  const field = fieldName(issue.path);
  return { field, message: `${field} ${describe(issue)}` };
}

export type Validated<T> = { ok: true; data: T } | { ok: false; problem: FieldProblem };

/** Parses `input`; reportInput lets a missing field read "is required". */
export function validate<T>(schema: z.ZodType<T>, input: unknown): Validated<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  return parsed.success
    ? { ok: true, data: parsed.data }
    : { ok: false, problem: firstProblem(parsed.error) };
}

/**
 * Why a JSON value cannot be stored as jsonb, or null when it can: strings (keys included)
 * must not hold NUL or a lone surrogate, and nesting is bounded so neither this walk nor
 * Postgres's parser runs deep.
 */
export function jsonbProblem(value: unknown, maxDepth: number): string | null {
  const walk = (v: unknown, depth: number): string | null => {
    if (typeof v === "string") {
      return v.isWellFormed() && !v.includes("\u0000")
        ? null
        : "must not contain NUL characters or lone surrogates";
    }
    if (v === null || typeof v !== "object") return null;
    if (depth >= maxDepth) return `must not be nested more than ${maxDepth} levels deep`;
    const entries = Array.isArray(v) ? v.map((item) => ["", item]) : Object.entries(v);
    for (const [key, child] of entries) {
      const problem = walk(key, depth) ?? walk(child, depth + 1);
      if (problem) return problem;
    }
    return null;
  };
  return walk(value, 0);
}
