// Order statistics for latency samples and the median of repeated runs.

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export interface Latency {
  p50: number;
  p95: number;
  n: number;
}

export function latency(samples: readonly number[]): Latency {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), n: samples.length };
}

/**
 * Runs `measure` `runs` times and keeps, for each numeric field, the median across runs
 * (and every run's raw values, so a noisy run can be seen and rerun, not cherry-picked).
 */
export async function medianOfRuns<T extends Record<string, number>>(
  runs: number,
  measure: (run: number) => Promise<T>,
): Promise<{ median: T; runs: T[] }> {
  const results: T[] = [];
  for (let run = 0; run < runs; run++) results.push(await measure(run));
  const keys = Object.keys(results[0] ?? {}) as Array<keyof T>;
  const out = {} as Record<keyof T, number>;
  for (const key of keys) out[key] = median(results.map((r) => r[key]));
  return { median: out as T, runs: results };
}
