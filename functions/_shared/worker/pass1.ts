// Step 3, per page: AI pass 1, the clinically relevant entities on the page. A blank page has
// none; it is recorded without a provider call.

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

export async function pass1(ctx: StepContext, page: number): Promise<StepResult> {
  const text = await readPage(ctx, page);
  const { ai } = ctx.deps.providers;
  const { output, usage } = text.text.trim() === ""
    ? { output: [], usage: usageOf(0) }
    : await withCapacity(
      capacityScope(ctx),
      ai.rateLimit,
      estimateTokens(text.text),
      () => ai.detectEntities(text),
    );
  const ok = await ctx.deps.rpc("record_page_entities", {
    ...fence(ctx),
    p_page_number: page,
    p_entities: output,
    p_model: ctx.deps.aiModel,
    p_tokens_used: usage.tokens,
  });
  if (ok) ctx.results.entities.set(page, output);
  return recorded(ok, { pass1_done: page });
}
