// Which step a document needs next, from its checkpointed progress alone (job_result, merged
// by the record_* RPCs). Pages go in order, so `text_done = k` means pages 1..k have text;
// a job resumed by any invocation picks up exactly where the last recorded step left it.

import { z } from "zod";

const Count = z.number().int().nonnegative();

/** job_result of a shell_file_processing job; other keys (e.g. from checkpoint_job) are kept. */
export const Progress = z.looseObject({
  page_count: z.number().int().positive().optional(),
  ocr_pages: z.array(z.number().int().positive()).optional(),
  text_done: Count.optional(),
  pass1_done: Count.optional(),
  pass2_done: Count.optional(),
  narrative_done: z.boolean().optional(),
  finished: z.boolean().optional(),
});

export type Progress = z.infer<typeof Progress>;

export type Step =
  | { kind: "inspect" }
  | { kind: "text"; page: number }
  | { kind: "pass1"; page: number }
  | { kind: "pass2"; page: number }
  | { kind: "narrative" }
  | { kind: "finish" };

export function nextStep(progress: Progress): Step {
  const pages = progress.page_count;
  if (pages === undefined) return { kind: "inspect" };
  for (const kind of ["text", "pass1", "pass2"] as const) {
    const done = progress[`${kind}_done`] ?? 0;
    if (done < pages) return { kind, page: done + 1 };
  }
  if (!progress.narrative_done) return { kind: "narrative" };
  return { kind: "finish" };
}
