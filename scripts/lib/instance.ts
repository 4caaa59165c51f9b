// A stack instance started from a script (the soak, the benchmarks) as `npm run stack -- start`
// would, with the environment given (instance name, ports, wall clocks), and its URLs and keys
// read back from the instance's env file.

import postgres from "postgres";
import { loadConfig, repoRoot, type StackConfig } from "../../stack/config.ts";
import { readEnvFile } from "../../stack/instance.ts";

export interface Instance {
  config: StackConfig;
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  /** As `postgres` (what migrations use). */
  dbUrl: string;
  jwtSecret: string;
  postgresVersion: string;
}

/** `stack <command>` in a subprocess with `env`; its output is kept for the error. */
export async function stackCommand(command: "start" | "stop" | "reset", env: Record<string, string>): Promise<void> {
  const root = repoRoot();
  const out = await new Deno.Command(`${root}/node_modules/.bin/deno`, {
    args: ["run", "-A", "--config", `${root}/deno.json`, `${root}/stack/cli.ts`, command],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stderr) || new TextDecoder().decode(out.stdout);
    throw new Error(`stack ${command} (${env.STACK_INSTANCE}) failed:\n${text}`);
  }
}

/** Starts the instance `env` names (a no-op when it runs; `fresh` resets it first). */
export async function startInstance(env: Record<string, string>, options: { fresh?: boolean } = {}): Promise<Instance> {
  if (options.fresh) await stackCommand("reset", env);
  await stackCommand("start", env);
  const config = loadConfig(repoRoot(), env);
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
