// The OpenAI stand-in's "model": fixed rules that give the same answer for the same text,
// good enough for the demo's documents and for tests to know what to expect.
//   pass 1: labelled lines ("Medication: ..."), known drug names, dates, "Dr. Name"
//   pass 2: labelled lines into items, with dose, reaction, value or date pulled out
//   pass 3: a title from the first heading-like line, and a sentence per category

import type { ClinicalItem, Entity, Narrative } from "../../functions/_shared/providers/schemas.ts";

type Category = ClinicalItem["category"];

/** Line labels and the category they introduce. */
const LABELS: Record<string, Category> = {
  medication: "medication",
  medications: "medication",
  drug: "medication",
  allergy: "allergy",
  allergies: "allergy",
  diagnosis: "condition",
  diagnoses: "condition",
  condition: "condition",
  problem: "condition",
  procedure: "procedure",
  observation: "observation",
  vital: "observation",
  vitals: "observation",
  lab: "observation",
  result: "observation",
  immunization: "immunization",
  immunisation: "immunization",
  vaccine: "immunization",
  vaccination: "immunization",
  encounter: "encounter",
};

const DRUGS = [
  "albuterol",
  "amlodipine",
  "amoxicillin",
  "aspirin",
  "atorvastatin",
  "ceftriaxone",
  "doxycycline",
  "furosemide",
  "ibuprofen",
  "insulin",
  "levothyroxine",
  "lisinopril",
  "metformin",
  "omeprazole",
  "paracetamol",
  "prednisone",
  "simvastatin",
  "warfarin",
];

const DRUG_RE = new RegExp(`\\b(${DRUGS.join("|")})\\b`, "gi");
const DATE_RE = /\b(\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4})\b/g;
const DOCTOR_RE = /\bDr\.? [A-Z][a-z]+(?: [A-Z][a-z]+)?/g;
const LABELLED_RE = /^\s*([A-Za-z]+)\s*:\s*(.+?)\s*$/;

interface Labelled {
  category: Category;
  value: string;
  /** Offset of the value in the page text, to keep entities in reading order. */
  at: number;
}

function labelledLines(text: string): Labelled[] {
  const out: Labelled[] = [];
  let offset = 0;
  for (const line of text.split("\n")) {
    const match = LABELLED_RE.exec(line);
    const category = match ? LABELS[match[1].toLowerCase()] : undefined;
    if (match && category) {
      out.push({ category, value: match[2], at: offset + line.indexOf(match[2]) });
    }
    offset += line.length + 1;
  }
  return out;
}

export function findEntities(text: string): Entity[] {
  const found: (Entity & { at: number })[] = [];
  const seen = new Set<string>();
  const add = (type: Entity["type"], value: string, confidence: number, at: number) => {
    const key = `${type}:${value.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    found.push({ type, text: value, confidence, at });
  };
  const labelled = labelledLines(text);
  for (const line of labelled) {
    add(line.category === "encounter" ? "other" : line.category, line.value, 0.9, line.at);
  }
  // Drug names outside the labelled lines (e.g. in the hospital course), not in allergy lines.
  const covered = labelled.map((l) => [l.at, l.at + l.value.length]);
  for (const match of text.matchAll(DRUG_RE)) {
    if (covered.some(([from, to]) => match.index >= from && match.index < to)) continue;
    add("medication", match[0], 0.7, match.index);
  }
  for (const match of text.matchAll(DATE_RE)) add("date", match[0], 0.95, match.index);
  for (const match of text.matchAll(DOCTOR_RE)) add("person", match[0], 0.8, match.index);
  return found.sort((a, b) => a.at - b.at).map(({ at: _, ...entity }) => entity);
}

const DOSE_RE = /^(.+?)\s+(\d+(?:\.\d+)?\s*(?:mg|mcg|g|ml|units?|iu))\b\s*(.*)$/i;
const REACTION_RE = /^(.+?)\s*\((.+)\)$/;
const VALUE_RE = /^(.+?)\s+(\d[\d./]*)\s*(.*)$/;
const TRAILING_DATE_RE = /^(.+?),?\s+(\d{4}-\d{2}-\d{2})$/;

function item(category: Category, value: string): ClinicalItem {
  const details: Record<string, string> = {};
  let label = value;
  const match = category === "medication"
    ? DOSE_RE.exec(value)
    : category === "allergy"
    ? REACTION_RE.exec(value)
    : category === "observation"
    ? VALUE_RE.exec(value)
    : category === "procedure" || category === "immunization"
    ? TRAILING_DATE_RE.exec(value)
    : null;
  if (match && category === "medication") {
    label = match[1];
    details.dose = match[2];
    if (match[3]) details.instructions = match[3];
  } else if (match && category === "allergy") {
    label = match[1];
    details.reaction = match[2];
  } else if (match && category === "observation") {
    label = match[1];
    details.value = match[2];
    if (match[3]) details.unit = match[3];
  } else if (match) {
    label = match[1];
    details.date = match[2];
  }
  return { category, label, details, confidence: 0.9 };
}

export function extractItems(text: string): ClinicalItem[] {
  return labelledLines(text).map((line) => item(line.category, line.value));
}

const TITLE_RE = /summary|note|letter|report|referral|discharge|results/i;

const SENTENCES: [Category, string][] = [
  ["condition", "Conditions"],
  ["medication", "Medications"],
  ["allergy", "Allergies"],
  ["procedure", "Procedures"],
  ["observation", "Observations"],
  ["immunization", "Immunizations"],
  ["encounter", "Follow-up"],
  ["other", "Other"],
];

export function writeNarrative(pages: { text: string }[], items: ClinicalItem[]): Narrative {
  const lines = pages.flatMap((p) => p.text.split("\n")).map((l) => l.trim()).filter(Boolean);
  const title = (lines.find((l) => TITLE_RE.test(l)) ?? lines[0] ?? "Medical document").slice(
    0,
    120,
  );
  const parts = [`${title}, ${pages.length} page${pages.length === 1 ? "" : "s"}.`];
  for (const [category, heading] of SENTENCES) {
    const labels = items.filter((i) => i.category === category).map((i) => i.label);
    if (labels.length) parts.push(`${heading}: ${labels.join("; ")}.`);
  }
  if (items.length === 0) parts.push("No clinical items were found.");
  return { title, narrative: parts.join(" ") };
}
