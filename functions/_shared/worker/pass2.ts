// Step 4, per page: AI pass 2, structured clinical items from the page, with pass 1's
// entities as hints. A blank page has none; it is recorded without a provider call.

import { usageOf } from "../providers/errors.ts";
import { estimateTokens, withCapacity } from "./capacity.ts";
import {
  capacityScope,
  fence,
  readPage,
  recorded,
  type StepContext,
  type StepResult,
} from "./context.ts";

export async function pass2(ctx: StepContext, page: number): Promise<StepResult> {
  const text = await readPage(ctx, page);
  const entities = ctx.results.entities.get(page) ??
    await ctx.deps.readEntities(ctx.job.shellFileId, page);
  if (entities === null) throw new Error(`page_entity_detections has no row for page ${page}`);
  const { ai } = ctx.deps.providers;
  const { output, usage } = text.text.trim() === ""
    ? { output: [], usage: usageOf(0) }
    : await withCapacity(
      capacityScope(ctx),
      ai.rateLimit,
      estimateTokens(text.text + JSON.stringify(entities)),
      () => ai.extractClinical({ ...text, entities }),
    );
  const ok = await ctx.deps.rpc("record_page_extractions", {
    ...fence(ctx),
    p_page_number: page,
    p_items: output,
    p_model: ctx.deps.aiModel,
    p_tokens_used: usage.tokens,
  });
  return recorded(ok, { pass2_done: page });
}
