// Step 5: AI pass 3, one narrative for the whole document from its pages and pass 2's items.

import { estimateTokens, withCapacity } from "./capacity.ts";
import { capacityScope, fence, recorded, type StepContext, type StepResult } from "./context.ts";

export async function narrative(ctx: StepContext): Promise<StepResult> {
  const pages = await ctx.deps.readPages(ctx.job.shellFileId);
  const items = await ctx.deps.readExtractions(ctx.job.shellFileId);
  const { ai } = ctx.deps.providers;
  const { output, usage } = await withCapacity(
    capacityScope(ctx),
    ai.rateLimit,
    estimateTokens(pages.map((p) => p.text).join("\n") + JSON.stringify(items)),
    () => ai.writeNarrative({ pages, items }),
  );
  const ok = await ctx.deps.rpc("record_narrative", {
    ...fence(ctx),
    p_title: output.title,
    p_narrative: output.narrative,
    p_model: ctx.deps.aiModel,
    p_tokens_used: usage.tokens,
  });
  return recorded(ok, { narrative_done: true });
}
