// Step 6: the document is done. finish_shell_file_job completes the job, marks the shell file
// completed and counts the usage; it refuses unless the progress says every step is recorded.
// The worker reports no usage of its own: the database counts the tokens the record_* RPCs
// accumulated (once per recorded step) and the seconds since processing started.

import { fence, recorded, type StepContext, type StepResult } from "./context.ts";

export async function finish(ctx: StepContext): Promise<StepResult> {
  const ok = await ctx.deps.rpc("finish_shell_file_job", fence(ctx));
  return recorded(ok, { finished: true });
}
