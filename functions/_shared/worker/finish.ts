// Step 6: the document is done. finish_shell_file_job completes the job, marks the shell file
// completed and counts the usage; it refuses unless the progress says every step is recorded.

import { fence, recorded, type StepContext, type StepResult } from "./context.ts";

export async function finish(ctx: StepContext): Promise<StepResult> {
  const usage = await ctx.deps.readUsage(ctx.job.shellFileId);
  // From the first recorded step to now, waits for capacity included.
  const seconds = usage.startedAt === null
    ? 0
    : Math.max(0, Math.round((ctx.deps.now() - usage.startedAt) / 1000));
  const ok = await ctx.deps.rpc("finish_shell_file_job", {
    ...fence(ctx),
    p_tokens_used: usage.tokensUsed,
    p_processing_seconds: seconds,
  });
  return recorded(ok, { finished: true });
}
