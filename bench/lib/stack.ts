// The stack instance the benchmarks run on: STACK_INSTANCE (default "bench") on
// STACK_PORT_BASE (default 55521), started here if it is not running, so every system is
// measured on the same PostgreSQL in the same run. Its URLs and keys come from the instance's
// env file, as for the tests.

import postgres from "postgres";
import { loadConfig, repoRoot, type StackConfig } from "../../stack/config.ts";
import { readEnvFile } from "../../stack/instance.ts";

export interface BenchStack {
  config: StackConfig;
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** As `postgres` (what migrations use). */
  dbUrl: string;
  jwtSecret: string;
  postgresVersion: string;
}

export function benchEnv(): Record<string, string> {
  const env = Deno.env.toObject();
  return { ...env, STACK_INSTANCE: env.STACK_INSTANCE ?? "bench", STACK_PORT_BASE: env.STACK_PORT_BASE ?? "55521" };
}

/** Starts the instance (a no-op when it runs) and reads its endpoints. */
export async function benchStack(extraEnv: Record<string, string> = {}): Promise<BenchStack> {
  const env = { ...benchEnv(), ...extraEnv };
  const root = repoRoot();
  const start = new Deno.Command(`${root}/node_modules/.bin/deno`, {
    args: ["run", "-A", "--config", `${root}/deno.json`, `${root}/stack/cli.ts`, "start"],
    env,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await start.output();
  if (!out.success) {
    throw new Error(`starting the bench stack failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  const config = loadConfig(root, env);
  const values = readEnvFile(config);
  const sql = postgres(values.SUPABASE_DB_URL, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`select current_setting('server_version') as v`;
    return {
      config,
      url: values.SUPABASE_URL,
      anonKey: values.SUPABASE_ANON_KEY,
      serviceRoleKey: values.SUPABASE_SERVICE_ROLE_KEY,
      dbUrl: values.SUPABASE_DB_URL,
      jwtSecret: values.SUPABASE_JWT_SECRET,
      postgresVersion: row.v,
    };
  } finally {
    await sql.end();
  }
}
