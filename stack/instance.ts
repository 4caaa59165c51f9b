// Per-instance secrets (generated on first start, kept under .stack/, never committed) and
// the URLs and keys derived from them.

import type { StackConfig } from "./config.ts";
import { mintApiKeys, verifyJwt } from "./jwt.ts";

export interface Secrets {
  jwtSecret: string;
  postgresPassword: string;
  authenticatorPassword: string;
}

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0"))
    .join("");
}

/** Reads the instance's secrets, creating them the first time. STACK_JWT_SECRET may pin one. */
export function ensureSecrets(config: StackConfig, env: Record<string, string | undefined> = {}): Secrets {
  try {
    return JSON.parse(Deno.readTextFileSync(config.secretsFile)) as Secrets;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const jwtSecret = env.STACK_JWT_SECRET || randomHex(32);
  if (jwtSecret.length < 32) throw new Error("STACK_JWT_SECRET must be at least 32 characters long");
  const secrets: Secrets = {
    jwtSecret,
    postgresPassword: randomHex(16),
    authenticatorPassword: randomHex(16),
  };
  Deno.mkdirSync(config.dir, { recursive: true });
  Deno.writeTextFileSync(config.secretsFile, JSON.stringify(secrets, null, 2) + "\n", { mode: 0o600 });
  return secrets;
}

export function readSecrets(config: StackConfig): Secrets {
  try {
    return JSON.parse(Deno.readTextFileSync(config.secretsFile)) as Secrets;
  } catch {
    throw new Error(
      `no secrets for stack instance "${config.instance}" (${config.secretsFile}); start it first`,
    );
  }
}

export interface StackEndpoints {
  SUPABASE_URL: string;
  SUPABASE_ANON_KEY: string;
  SUPABASE_SERVICE_ROLE_KEY: string;
  SUPABASE_DB_URL: string;
  SUPABASE_JWT_SECRET: string;
}

export async function endpoints(config: StackConfig, secrets: Secrets): Promise<StackEndpoints> {
  const keys = await apiKeys(config, secrets.jwtSecret);
  return {
    SUPABASE_URL: `http://127.0.0.1:${config.ports.gateway}`,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    SUPABASE_DB_URL: `postgresql://postgres:${secrets.postgresPassword}@127.0.0.1:${config.ports.db}/postgres`,
    SUPABASE_JWT_SECRET: secrets.jwtSecret,
  };
}

/** Keys in the env file still this far from expiry are kept. */
const KEEP_KEYS_VALID_FOR_S = 365 * 24 * 3600;

/**
 * The anon and service_role keys: the env file's while they still verify under the
 * instance's secret with their role (and a year or more left), else freshly minted. A second
 * `start` leaves running services alone, so it must hand Vault (the cron dispatcher's
 * credential) and the env file the very key the running gateway and its functions hold:
 * the job-worker compares the bearer token with its key as a string, and a re-minted key
 * (another iat) was refused with 403 by every dispatched invocation until a restart.
 */
async function apiKeys(config: StackConfig, secret: string) {
  let existing: Record<string, string> = {};
  try {
    existing = parseEnvFile(Deno.readTextFileSync(config.envFile));
  } catch { /* first start: nothing to keep */ }
  const keeps = async (token: string | undefined, role: string) => {
    if (!token) return false;
    const verdict = await verifyJwt(token, secret, Math.floor(Date.now() / 1000) + KEEP_KEYS_VALID_FOR_S);
    return verdict.ok && verdict.claims.role === role;
  };
  if (await keeps(existing.SUPABASE_ANON_KEY, "anon") && await keeps(existing.SUPABASE_SERVICE_ROLE_KEY, "service_role")) {
    return { anonKey: existing.SUPABASE_ANON_KEY, serviceRoleKey: existing.SUPABASE_SERVICE_ROLE_KEY };
  }
  return await mintApiKeys(secret);
}

/** The env file tests and tools source: `set -a; . .stack/<instance>/env`. */
export async function writeEnvFile(config: StackConfig, values: StackEndpoints): Promise<void> {
  const lines = Object.entries({ STACK_INSTANCE: config.instance, STACK_DIR: config.dir, ...values })
    .map(([k, v]) => `${k}=${v}`);
  await Deno.writeTextFile(config.envFile, lines.join("\n") + "\n", { mode: 0o600 });
}

/** The running instance's URLs and keys; a clear error when it was never started. */
export function readEnvFile(config: StackConfig): Record<string, string> {
  try {
    return parseEnvFile(Deno.readTextFileSync(config.envFile));
  } catch {
    throw new Error(
      `stack instance "${config.instance}" is not running (no ${config.envFile}); ` +
        `start it with: STACK_INSTANCE=${config.instance} npm run stack -- start`,
    );
  }
}

export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0 && !line.startsWith("#")) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** A postgres.js connection over the instance's private unix socket (trust auth). */
export function socketConnection(config: StackConfig, user: string) {
  return {
    host: config.runDir,
    port: config.ports.db,
    database: "postgres",
    username: user,
  };
}
