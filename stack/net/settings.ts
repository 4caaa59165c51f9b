// The dispatcher's knobs: pg_net's defaults, the TTL overridable from the environment.

export interface NetSettings {
  /** Rows taken per query (pg_net.batch_size defaults to 200). */
  batchSize: number;
  /** Requests in flight at once; no rows are taken beyond this. */
  maxInFlight: number;
  /** How often the queue is polled when no notification arrives. */
  pollMs: number;
  /** Age after which responses are deleted (pg_net.ttl defaults to 6 hours). */
  ttlSeconds: number;
  /** How often expired responses are looked for. */
  expireEveryMs: number;
  /** Wait before retrying a database that failed, doubling up to the maximum. */
  backoffMinMs: number;
  backoffMaxMs: number;
  /** On SIGTERM, how long in-flight requests may still finish. */
  graceMs: number;
}

export const DEFAULT_SETTINGS: NetSettings = {
  batchSize: 200,
  maxInFlight: 1000,
  pollMs: 250,
  ttlSeconds: 6 * 60 * 60,
  expireEveryMs: 1000,
  backoffMinMs: 250,
  backoffMaxMs: 2000,
  graceMs: 1000,
};

export function netSettings(env: Record<string, string | undefined>): NetSettings {
  const raw = env.STACK_NET_TTL_SECONDS;
  if (raw === undefined || raw === "") return { ...DEFAULT_SETTINGS };
  const ttl = Number(raw);
  if (!Number.isInteger(ttl) || ttl <= 0) {
    throw new Error(
      `STACK_NET_TTL_SECONDS must be a positive whole number of seconds, got "${raw}"`,
    );
  }
  return { ...DEFAULT_SETTINGS, ttlSeconds: ttl };
}
