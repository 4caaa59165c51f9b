// Fault injection at the local gateway, for the fault tests and the soak: a rule matches
// requests passing through (an Edge Function calling PostgREST, a chained job-worker
// invocation, a pg_net request) and, before forwarding or after the upstream has answered,
// holds the request or answers an error instead. A held request is what a worker killed at
// that line looks like from outside: the runtime's wall clock ends the invocation while it
// waits. "after" is the cruel case: the upstream did the work (the checkpoint committed) and
// the caller never hears. Production code cannot tell: it sees a slow or failed network call.
//
// Local only, and only with the service key: GET/POST/DELETE /_stack/faults.

import { z } from "zod";

export const FaultRuleInput = z.object({
  /** A regular expression on the path, e.g. "^/rest/v1/rpc/record_page_text$". */
  path: z.string().min(1).refine((s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  }, "path must be a regular expression"),
  method: z.string().min(1).optional(),
  /** Matches only requests whose body contains this text (the body is read to check). */
  bodyIncludes: z.string().min(1).optional(),
  /** before: the upstream never sees the request; after: it did the work, the answer is lost. */
  at: z.enum(["before", "after"]),
  /**
   * hang: no answer until the caller goes away (or holdMs); error: answer `status` now;
   * delay: wait holdMs, then carry on (before: the request arrives late, e.g. from a worker
   * that lost its lease meanwhile; after: the answer arrives late).
   */
  action: z.enum(["hang", "error", "delay"]),
  status: z.number().int().min(400).max(599).default(503),
  holdMs: z.number().int().positive().max(600_000).default(300_000),
  /** How many matching requests it applies to. */
  times: z.number().int().positive().default(1),
  /** Each matching request is hit with this probability (the soak); a miss costs no `times`. */
  probability: z.number().min(0).max(1).default(1),
});
export type FaultRuleInput = z.input<typeof FaultRuleInput>;

export interface FaultRule extends z.output<typeof FaultRuleInput> {
  id: number;
  /** Requests this rule has hit so far. */
  hits: number;
}

export class FaultRules {
  private rules: FaultRule[] = [];
  private nextId = 1;

  constructor(private readonly random: () => number = Math.random) {}

  add(input: unknown): FaultRule[] {
    const parsed = z.union([FaultRuleInput, z.array(FaultRuleInput).min(1)]).parse(input);
    const added = (Array.isArray(parsed) ? parsed : [parsed]).map((rule) => ({
      ...rule,
      id: this.nextId++,
      hits: 0,
    }));
    this.rules.push(...added);
    return added;
  }

  clear(): void {
    this.rules = [];
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => ({ ...rule }));
  }

  /** Whether any rule needs the body to decide (so the gateway reads it only then). */
  needsBody(method: string, path: string): boolean {
    return this.rules.some((r) => r.bodyIncludes !== undefined && this.matchesRoute(r, method, path));
  }

  /** The rule that takes this request, if any; it is counted as hit. */
  take(method: string, path: string, body: string | null): FaultRule | null {
    for (const rule of this.rules) {
      if (rule.hits >= rule.times || !this.matchesRoute(rule, method, path)) continue;
      if (rule.bodyIncludes !== undefined && !(body ?? "").includes(rule.bodyIncludes)) continue;
      if (rule.probability < 1 && this.random() >= rule.probability) continue;
      rule.hits++;
      return { ...rule };
    }
    return null;
  }

  private matchesRoute(rule: FaultRule, method: string, path: string): boolean {
    if (rule.method !== undefined && rule.method.toUpperCase() !== method.toUpperCase()) return false;
    return new RegExp(rule.path).test(path);
  }
}

/** What a rule does to a request, around `forward` (the gateway's normal handling). */
export async function applyFault(
  rule: FaultRule,
  signal: AbortSignal,
  forward: () => Promise<Response>,
  log: (line: string) => void,
): Promise<Response> {
  log(`fault ${rule.id}: ${rule.action} ${rule.at} ${rule.path}`);
  if (rule.action === "delay") {
    if (rule.at === "before") await held(rule.holdMs, signal);
    const upstream = await forward();
    if (rule.at === "after") await held(rule.holdMs, signal);
    return upstream;
  }
  if (rule.at === "after") {
    const upstream = await forward();
    // The work is done upstream; drain the answer that the caller will never get.
    await upstream.arrayBuffer().catch(() => {});
  }
  if (rule.action === "hang") await held(rule.holdMs, signal);
  return Response.json(
    { message: `fault injected by the local stack (rule ${rule.id})` },
    { status: rule.action === "hang" ? 504 : rule.status },
  );
}

function held(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
