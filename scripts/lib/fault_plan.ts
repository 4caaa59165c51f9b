// The soak's faults, drawn from a seeded random source so a failing soak can be replayed
// (--seed): worker kills at every point of a step (gateway rules that hold one of the
// worker's requests until the wall clock ends the invocation, or lose a chained invocation),
// and provider faults (429 with and without Retry-After, 500s, timeouts, malformed answers)
// applied one at a time through the stand-ins' knobs while the documents are processed.

import type { FaultRuleInput } from "../../stack/faults.ts";
import type { StandInName } from "./control.ts";

export interface ProviderFault {
  label: string;
  standIn: StandInName;
  knobs: Record<string, unknown>;
}

export interface FaultPlan {
  /** Gateway rules, each with a probability per matching request and a cap (`times`). */
  kills: Array<FaultRuleInput & { label: string }>;
  /** Applied in order, one every few seconds, while documents are in flight. */
  providerFaults: ProviderFault[];
}

/** Where a worker can die, as seen from outside: which request of a step never comes back. */
const KILL_POINTS: Array<{ label: string; rpc: string; at: "before" | "after" }> = [
  { label: "before the first checkpoint", rpc: "record_document_inspection", at: "before" },
  { label: "holding a capacity slot, before the provider call", rpc: "acquire_api_capacity", at: "after" },
  { label: "before the page text checkpoint", rpc: "record_page_text", at: "before" },
  { label: "after the provider call, before its checkpoint", rpc: "record_page_entities", at: "before" },
  { label: "after the checkpoint, before the answer", rpc: "record_page_extractions", at: "after" },
  { label: "before the narrative checkpoint", rpc: "record_narrative", at: "before" },
  { label: "after finishing, before the answer", rpc: "finish_shell_file_job", at: "after" },
];

/** The menu of provider faults; `timeout` outlasts the worker's AI_TIMEOUT_MS. */
function providerFaultMenu(aiTimeoutMs: number): ProviderFault[] {
  return [
    { label: "429 with Retry-After", standIn: "openai", knobs: { fail429: 1, retryAfterSeconds: 2 } },
    { label: "429 without Retry-After", standIn: "openai", knobs: { fail429: 1, retryAfterSeconds: null } },
    { label: "500", standIn: "openai", knobs: { fail500: 1 } },
    { label: "500 x3", standIn: "openai", knobs: { fail500: 3 } },
    { label: "timeout", standIn: "openai", knobs: { hang: 1, hangMs: aiTimeoutMs + 1000 } },
    { label: "malformed (not JSON)", standIn: "openai", knobs: { malformed: 1, malformedMode: "invalid_json" } },
    { label: "malformed (wrong shape)", standIn: "openai", knobs: { malformed: 1, malformedMode: "schema" } },
    { label: "OCR 500", standIn: "vision", knobs: { fail500: 1 } },
  ];
}

/** A small, fast, seedable generator (mulberry32): the same seed gives the same plan. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function faultPlan(options: {
  documents: number;
  random: () => number;
  aiTimeoutMs: number;
  /** Kills per kill point, about; at least 1. */
  killsPerPoint?: number;
  /** Provider faults in all; default 1 per 5 documents, at least one of each kind. */
  providerFaults?: number;
}): FaultPlan {
  const { documents, random } = options;
  const killsPerPoint = options.killsPerPoint ?? Math.max(1, Math.round(documents / 50));
  const kills: FaultPlan["kills"] = KILL_POINTS.map((point) => ({
    label: point.label,
    path: `^/rest/v1/rpc/${point.rpc}$`,
    at: point.at,
    action: "hang",
    times: killsPerPoint,
    // Spread over the run instead of hitting the first requests.
    probability: Math.min(1, 4 / documents),
  }));
  kills.push({
    label: "the chained invocation lost",
    path: "^/functions/v1/job-worker$",
    bodyIncludes: '"source":"chain"',
    at: "before",
    action: "error",
    times: killsPerPoint,
    probability: 0.5,
  });
  const menu = providerFaultMenu(options.aiTimeoutMs);
  const count = Math.max(menu.length, options.providerFaults ?? Math.round(documents / 5));
  // Every kind once, then random ones, in a shuffled order.
  const faults = [...menu, ...Array.from({ length: count - menu.length }, () => menu[Math.floor(random() * menu.length)])];
  for (let i = faults.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [faults[i], faults[j]] = [faults[j], faults[i]];
  }
  return { kills, providerFaults: faults };
}
