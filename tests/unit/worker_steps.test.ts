// nextStep: the step a document needs next is a pure function of its checkpointed progress,
// for a new job, every point of a resumed one, and a finished one.

import { assertEquals } from "@std/assert";
import { jobFromClaim } from "../../functions/_shared/worker/job.ts";
import { nextStep, Progress } from "../../functions/_shared/worker/steps.ts";
import { claimedRow } from "../support/worker_deps.ts";

Deno.test("a new job (no progress yet) is inspected first", () => {
  assertEquals(nextStep({}), { kind: "inspect" });
  // claim_next_job_v3 returns job_result null for a job no step has recorded anything for.
  assertEquals(nextStep(jobFromClaim(claimedRow({ progress: null })).progress), {
    kind: "inspect",
  });
});

Deno.test("pages go in order: text for every page, then pass 1, then pass 2", () => {
  const base = { page_count: 3, ocr_pages: [2] };
  assertEquals(nextStep(base), { kind: "text", page: 1 });
  assertEquals(nextStep({ ...base, text_done: 2 }), { kind: "text", page: 3 });
  assertEquals(nextStep({ ...base, text_done: 3 }), { kind: "pass1", page: 1 });
  assertEquals(nextStep({ ...base, text_done: 3, pass1_done: 2 }), { kind: "pass1", page: 3 });
  assertEquals(nextStep({ ...base, text_done: 3, pass1_done: 3 }), { kind: "pass2", page: 1 });
  assertEquals(
    nextStep({ ...base, text_done: 3, pass1_done: 3, pass2_done: 2 }),
    { kind: "pass2", page: 3 },
  );
});

Deno.test("after every page's passes: the narrative, then finish", () => {
  const pagesDone = { page_count: 2, text_done: 2, pass1_done: 2, pass2_done: 2 };
  assertEquals(nextStep(pagesDone), { kind: "narrative" });
  assertEquals(nextStep({ ...pagesDone, narrative_done: false }), { kind: "narrative" });
  assertEquals(nextStep({ ...pagesDone, narrative_done: true }), { kind: "finish" });
});

Deno.test("a job resumed mid-document by another invocation continues where it stopped", () => {
  // As checkpointed by the record_* RPCs, with keys other writers (checkpoint_job) may add.
  const progress = Progress.parse({
    page_count: 5,
    ocr_pages: [],
    text_done: 5,
    pass1_done: 4,
    other: "kept",
  });
  assertEquals(nextStep(progress), { kind: "pass1", page: 5 });
  assertEquals(progress.other, "kept");
});

Deno.test("a finished document only has finish left", () => {
  assertEquals(
    nextStep({
      page_count: 1,
      ocr_pages: [1],
      text_done: 1,
      pass1_done: 1,
      pass2_done: 1,
      narrative_done: true,
      finished: true,
    }),
    { kind: "finish" },
  );
});

Deno.test("progress that is not the agreed shape is refused, not guessed at", () => {
  for (const bad of [{ page_count: 0 }, { text_done: -1 }, { ocr_pages: ["1"] }, []]) {
    assertEquals(Progress.safeParse(bad).success, false, JSON.stringify(bad));
  }
});
