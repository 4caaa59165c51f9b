// The stack instance the benchmarks run on: STACK_INSTANCE (default "bench") on
// STACK_PORT_BASE (default 25521), started here if it is not running, so every system is
// measured on the same PostgreSQL in the same run.

import { type Instance, startInstance } from "../../scripts/lib/instance.ts";

export type BenchStack = Instance;

export function benchEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  return { ...env, STACK_INSTANCE: env.STACK_INSTANCE ?? "bench", STACK_PORT_BASE: env.STACK_PORT_BASE ?? "25521" };
}

/** Starts the instance (a no-op when it runs) and reads its endpoints. */
export function benchStack(extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  return startInstance({ ...benchEnv(), ...extraEnv });
}
