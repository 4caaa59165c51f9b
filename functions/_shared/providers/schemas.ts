// The shapes the AI passes must answer with. Every model answer is parsed with these before
// anything is returned, so nothing downstream ever sees an unchecked model output.

import { z } from "zod";

export const ENTITY_TYPES = [
  "condition",
  "medication",
  "allergy",
  "procedure",
  "observation",
  "immunization",
  "date",
  "person",
  "organization",
  "other",
] as const;

export const CLINICAL_CATEGORIES = [
  "condition",
  "medication",
  "allergy",
  "procedure",
  "observation",
  "immunization",
  "encounter",
  "other",
] as const;

const confidence = z.number().min(0).max(1);

export const EntitySchema = z.object({
  type: z.enum(ENTITY_TYPES),
  text: z.string().trim().min(1).max(1000),
  confidence,
});

export const ClinicalItemSchema = z.object({
  category: z.enum(CLINICAL_CATEGORIES),
  label: z.string().trim().min(1).max(500),
  details: z.record(z.string(), z.unknown()),
  confidence,
});

export const NarrativeSchema = z.object({
  title: z.string().trim().min(1).max(200),
  narrative: z.string().trim().min(1).max(20000),
});

/** What each pass's JSON object looks like (json_object mode needs an object at the top). */
export const EntitiesAnswer = z.object({ entities: z.array(EntitySchema).max(1000) });
export const ClinicalAnswer = z.object({ items: z.array(ClinicalItemSchema).max(1000) });
export const NarrativeAnswer = NarrativeSchema;

export type Entity = z.infer<typeof EntitySchema>;
export type ClinicalItem = z.infer<typeof ClinicalItemSchema>;
export type Narrative = z.infer<typeof NarrativeSchema>;
