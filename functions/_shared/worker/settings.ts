// The worker's settings, checked once at boot so a bad value is named there:
//   SUPABASE_URL, SUPABASE_SERVICE_ROLE_KEY   (platformEnv)
//   WORKER_BUDGET_MS          default 100000: steps start only within this much of the
//                             invocation, well inside the Edge Runtime's 150 s wall clock
//   WORKER_SAFETY_MARGIN_MS   default 30000: no step starts with less than this left of the
//                             budget, so a step's provider call and its record still fit
// and one that is not configuration but a property of the host (options.chain): whether a
// spent budget chains a new job-worker invocation (the Edge Function) or not (the
// long-running worker, which starts its next round itself).

import { platformEnv } from "../env.ts";

export interface WorkerSettings {
  supabaseUrl: string;
  serviceRoleKey: string;
  budgetMs: number;
  safetyMarginMs: number;
  /** A spent budget POSTs a new job-worker invocation (true) or only returns (false). */
  chain: boolean;
}

const WALL_CLOCK_MS = 150_000;

function millis(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const value = Number(env[name]?.trim() || fallback);
  if (!Number.isInteger(value) || value < 0 || value > WALL_CLOCK_MS) {
    throw new Error(`${name} must be whole milliseconds from 0 to ${WALL_CLOCK_MS}`);
  }
  return value;
}

export function workerSettings(
  env: Record<string, string | undefined>,
  options: { chain?: boolean } = {},
): WorkerSettings {
  const platform = platformEnv(env);
  const budgetMs = millis(env, "WORKER_BUDGET_MS", 100_000);
  const safetyMarginMs = millis(env, "WORKER_SAFETY_MARGIN_MS", 30_000);
  if (safetyMarginMs >= budgetMs) {
    throw new Error("WORKER_SAFETY_MARGIN_MS must be less than WORKER_BUDGET_MS");
  }
  return {
    supabaseUrl: platform.SUPABASE_URL.replace(/\/+$/, ""),
    serviceRoleKey: platform.SUPABASE_SERVICE_ROLE_KEY,
    budgetMs,
    safetyMarginMs,
    chain: options.chain ?? true,
  };
}
