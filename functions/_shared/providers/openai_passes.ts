// The three AI passes through any OpenAI-compatible chat completions endpoint. Each asks for
// a JSON object (response_format json_object) and returns it only after zod accepted it;
// an answer that is not JSON or not the agreed shape is a permanent ProviderError that
// still reports the tokens it cost.

import type { z } from "zod";
import { describeIssues, invalidAnswer } from "./errors.ts";
import { createChat, type OpenAISettings } from "./openai_client.ts";
import {
  clinicalInput,
  entitiesInput,
  narrativeInput,
  type Pass,
  SYSTEM_PROMPTS,
} from "./prompts.ts";
import { ClinicalAnswer, EntitiesAnswer, NarrativeAnswer } from "./schemas.ts";
import type { AiProvider, AiResult, CallOptions, ProviderDeps, RateLimitKey } from "./types.ts";

export const OPENAI_PASSES = "openai";

export function createOpenAIPasses(
  settings: OpenAISettings & { rateLimit: RateLimitKey },
  deps: ProviderDeps,
): AiProvider {
  const chat = createChat(OPENAI_PASSES, settings, deps);

  async function run<S extends z.ZodType>(
    pass: Exclude<Pass, "ocr">,
    input: unknown,
    schema: S,
    options?: CallOptions,
  ): Promise<AiResult<z.infer<S>>> {
    const answer = await chat({
      messages: [
        { role: "system", content: SYSTEM_PROMPTS[pass] },
        { role: "user", content: JSON.stringify(input) },
      ],
      response_format: { type: "json_object" },
    }, options);
    let json: unknown;
    try {
      json = JSON.parse(answer.content ?? "");
    } catch {
      throw invalidAnswer(
        OPENAI_PASSES,
        `${pass}: not JSON (finish_reason ${answer.finishReason})`,
        answer.usage,
      );
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw invalidAnswer(OPENAI_PASSES, `${pass}: ${describeIssues(parsed.error)}`, answer.usage);
    }
    return { output: parsed.data, usage: answer.usage };
  }

  return {
    name: OPENAI_PASSES,
    rateLimit: settings.rateLimit,
    async detectEntities(page, options) {
      const { output, usage } = await run("entities", entitiesInput(page), EntitiesAnswer, options);
      return { output: output.entities, usage };
    },
    async extractClinical(page, options) {
      const { output, usage } = await run("clinical", clinicalInput(page), ClinicalAnswer, options);
      return { output: output.items, usage };
    },
    writeNarrative(document, options) {
      return run("narrative", narrativeInput(document), NarrativeAnswer, options);
    },
  };
}
