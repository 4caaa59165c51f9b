// The yardstick for the pipeline's overhead: the bare cost of one RPC round trip as the
// worker makes it (supabase-js -> gateway -> PostgREST -> a trivial SQL function), and, to see
// what that costs beyond the database, the same function over a direct SQL connection. The
// stack's CPU time over the RPC calls (pipeline_cpu.ts) says what one round trip costs each
// part of the stack, to set against a step's CPU.

import type postgres from "postgres";
import type { SupabaseClient } from "@supabase/supabase-js";
import { type Latency, latency } from "./stats.ts";
import { cpuDelta, type CpuSample } from "./pipeline_cpu.ts";

export interface RoundTrips {
  /** public.is_service_role() through PostgREST via supabase-js, as the service role. */
  rpc: Latency;
  /** CPU milliseconds per RPC call, per part of the stack. */
  rpcCpuMs: Record<string, number>;
  /** select public.is_service_role() over one postgres.js connection. */
  sql: Latency;
}

async function timed(n: number, call: () => Promise<void>): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    await call();
    samples.push(performance.now() - started);
  }
  return samples;
}

/** `samples` sequential calls of each, after a warm-up of a tenth as many. */
export async function measureRoundTrips(
  service: SupabaseClient,
  sql: postgres.Sql,
  samples: number,
  cpu: () => CpuSample,
): Promise<RoundTrips> {
  const rpcCall = async () => {
    const { data, error } = await service.rpc("is_service_role");
    if (error || data !== true) {
      throw new Error(`is_service_role over PostgREST: ${error?.message ?? data}`);
    }
  };
  const sqlCall = async () => {
    await sql`select public.is_service_role()`;
  };
  const warmUp = Math.max(5, Math.ceil(samples / 10));
  await timed(warmUp, rpcCall);
  const before = cpu();
  const rpc = await timed(samples, rpcCall);
  const { perPart } = cpuDelta(before, cpu());
  await timed(warmUp, sqlCall);
  const direct = await timed(samples, sqlCall);
  return {
    rpc: latency(rpc),
    rpcCpuMs: Object.fromEntries(Object.entries(perPart).map(([part, ms]) => [part, ms / samples])),
    sql: latency(direct),
  };
}
