// The prompts of the OCR and AI passes. Each system prompt starts with a marker naming its
// pass, so a log line, or the local OpenAI stand-in, can tell the passes apart without
// reading document text. The page text goes in the user message as JSON, with the fields
// the pass needs.

import { z } from "zod";
import { CLINICAL_CATEGORIES, ClinicalItemSchema, ENTITY_TYPES, EntitySchema } from "./schemas.ts";
import type { ClinicalItem, Entity, PageText } from "./types.ts";

export type Pass = "ocr" | "entities" | "clinical" | "narrative";

function passMarker(pass: Pass): string {
  return `[docjobs:${pass}]`;
}

/** The pass a system prompt belongs to, from its leading marker. */
export function passOf(systemPrompt: string): Pass | null {
  const match = /^\[docjobs:(ocr|entities|clinical|narrative)\]/.exec(systemPrompt.trimStart());
  return match ? match[1] as Pass : null;
}

const list = (values: readonly string[]) => values.map((v) => `"${v}"`).join(", ");

export const SYSTEM_PROMPTS: Record<Pass, string> = {
  ocr: `${passMarker("ocr")} You transcribe one scanned page of a medical document. ` +
    "Answer with the page's text only, line by line as printed, without comments. " +
    "Answer with an empty message if the page has no text.",
  entities: `${passMarker("entities")} You find clinically relevant entities on one page of a ` +
    'medical document. The user message is JSON: {"page": number, "text": string}. ' +
    'Answer with a JSON object {"entities": [{"type": string, "text": string, "confidence": number}]} ' +
    `where type is one of ${list(ENTITY_TYPES)}, text is copied exactly from the page, and ` +
    'confidence is between 0 and 1. Answer {"entities": []} when there are none.',
  clinical: `${passMarker("clinical")} You extract structured clinical facts from one page of a ` +
    'medical document. The user message is JSON: {"page": number, "text": string, "entities": [...]}, ' +
    "where entities were found on the page by an earlier pass and are hints only. " +
    'Answer with a JSON object {"items": [{"category": string, "label": string, "details": object, "confidence": number}]} ' +
    `where category is one of ${
      list(CLINICAL_CATEGORIES)
    }, label is a short name (e.g. the drug), ` +
    "details holds what the page states about it (e.g. dose, frequency, reaction, value, unit, date), " +
    'and confidence is between 0 and 1. Use only what the page states. Answer {"items": []} when there are none.',
  narrative: `${passMarker("narrative")} You write a short summary of one medical document for ` +
    'the patient\'s record. The user message is JSON: {"pages": [{"page": number, "text": string}], "items": [...]}, ' +
    "with the clinical items extracted from it. " +
    'Answer with a JSON object {"title": string, "narrative": string}: a title naming the kind of document, ' +
    "and a narrative of a few plain sentences stating only what the document says.",
};

export const EntitiesInput = z.object({ page: z.number().int().positive(), text: z.string() });
export const ClinicalInput = EntitiesInput.extend({ entities: z.array(EntitySchema) });
export const NarrativeInput = z.object({
  pages: z.array(EntitiesInput),
  items: z.array(ClinicalItemSchema),
});

export function entitiesInput(page: PageText): z.infer<typeof EntitiesInput> {
  return { page: page.pageNumber, text: page.text };
}

export function clinicalInput(
  page: PageText & { entities: Entity[] },
): z.infer<typeof ClinicalInput> {
  return { page: page.pageNumber, text: page.text, entities: page.entities };
}

export function narrativeInput(
  document: { pages: PageText[]; items: ClinicalItem[] },
): z.infer<typeof NarrativeInput> {
  return { pages: document.pages.map(entitiesInput), items: document.items };
}
