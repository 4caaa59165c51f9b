// functions/_shared/validation.ts: text Postgres can store (code points counted as length()
// counts them; NUL, controls and lone surrogates refused), field paths as clients write them,
// messages that never quote the input, and the jsonb check for free-form values.

import { assertEquals } from "@std/assert";
import { z } from "zod";
import {
  codePoints,
  fieldName,
  jsonbProblem,
  safeText,
  validate,
} from "../../functions/_shared/validation.ts";
import { hostileString, random } from "../support/function_requests.ts";

Deno.test("fieldName: dotted keys and [index], 'body' for the root", () => {
  assertEquals(fieldName([]), "body");
  assertEquals(fieldName(["profile_id"]), "profile_id");
  assertEquals(fieldName(["events", 3, "patient_id"]), "events[3].patient_id");
  assertEquals(fieldName([0, "a", 1, 2]), "[0].a[1][2]");
});

Deno.test("safeText: length in code points, as Postgres counts it", () => {
  const text = safeText(8, 10);
  assertEquals(codePoints("😀".repeat(8)), 8);
  assertEquals(text.safeParse("😀".repeat(8)).success, true, "8 code points, 16 UTF-16 units");
  assertEquals(text.safeParse("😀".repeat(11)).success, false);
  assertEquals(text.safeParse("a".repeat(7)).success, false);
  assertEquals(text.safeParse("e\u0301".repeat(5)).success, true, "10 code points");
});

Deno.test("safeText: NUL, other controls and lone surrogates are refused", () => {
  const text = safeText(1, 100);
  for (
    const bad of ["a\u0000b", "a\u0007", "tab\there", "line\n", "\u007f", "a\ud800", "\udfffz"]
  ) {
    assertEquals(text.safeParse(bad).success, false, JSON.stringify(bad));
  }
  for (const good of ["O'Brien; DROP TABLE x; --", "日本語", "\u202eevil", "a b"]) {
    assertEquals(text.safeParse(good).success, true, good);
  }
});

Deno.test("validate: names the field and never quotes the input", () => {
  const Schema = z.strictObject({
    id: z.guid(),
    kind: z.enum(["a", "b"]),
    items: z.array(z.strictObject({ n: z.number() })).min(1).max(2),
    note: safeText(1, 5).optional(),
  });
  const problem = (input: unknown) => {
    const result = validate(Schema, input);
    if (result.ok) throw new Error("expected a problem");
    return result.problem;
  };
  const good = { id: crypto.randomUUID(), kind: "a", items: [{ n: 1 }] };
  assertEquals(problem({ ...good, id: undefined }), { field: "id", message: "id is required" });
  assertEquals(problem({ ...good, id: "Jane Doe" }), { field: "id", message: "id must be a UUID" });
  assertEquals(problem({ ...good, kind: "Jane Doe" }), {
    field: "kind",
    message: "kind must be one of a, b",
  });
  assertEquals(problem({ ...good, items: [] }), {
    field: "items",
    message: "items must have at least 1 item(s)",
  });
  assertEquals(problem({ ...good, items: [{ n: 1 }, { n: 2 }, { n: 3 }] }).field, "items");
  assertEquals(problem({ ...good, items: [{ n: 1 }, { n: "Jane Doe" }] }), {
    field: "items[1].n",
    message: "items[1].n must be a number",
  });
  assertEquals(problem({ ...good, note: "Jane Doe" }), {
    field: "note",
    message: "note must be 1 to 5 characters long",
  });
  assertEquals(problem({ ...good, "Jane Doe": 1 }), {
    field: "body",
    message: "body has fields that are not allowed",
  });
  assertEquals(problem("Jane Doe"), { field: "body", message: "body must be an object" });
  assertEquals(problem([1]), { field: "body", message: "body must be an object" });
});

Deno.test("validate: no message ever contains the hostile input that caused it", () => {
  const Schema = z.strictObject({ id: z.guid(), note: safeText(1, 20) });
  const next = random(3);
  for (let i = 0; i < 300; i++) {
    const hostile = `PATIENT${hostileString(next)}`;
    for (const input of [{ id: hostile, note: "x" }, { id: crypto.randomUUID(), note: hostile }]) {
      const result = validate(Schema, input);
      if (result.ok) continue;
      const { field, message } = result.problem;
      assertEquals(message.includes("PATIENT") || field.includes("PATIENT"), false, message);
    }
  }
});

Deno.test("jsonbProblem: NUL or a lone surrogate anywhere (keys too), and nesting past the limit", () => {
  assertEquals(jsonbProblem({ a: [1, "x", null, true, { b: "日本" }] }, 5), null);
  assertEquals(jsonbProblem("plain", 0), null);
  assertEquals(typeof jsonbProblem({ a: ["ok", "nul\u0000"] }, 5), "string");
  assertEquals(typeof jsonbProblem({ ["k\u0000"]: 1 }, 5), "string");
  assertEquals(typeof jsonbProblem({ a: { b: "\ud800" } }, 5), "string");
  assertEquals(typeof jsonbProblem({ ["\udc00"]: 1 }, 5), "string");
  assertEquals(jsonbProblem({ a: { b: {} } }, 3), null);
  assertEquals(jsonbProblem({ a: { b: {} } }, 2), "must not be nested more than 2 levels deep");
  let deep: unknown = "leaf";
  for (let i = 0; i < 100_000; i++) deep = [deep];
  assertEquals(jsonbProblem(deep, 16), "must not be nested more than 16 levels deep");
});
