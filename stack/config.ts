// Where a local stack instance lives and which loopback ports it uses.
// Everything is read from the environment passed in, so tests can build any instance.

export interface StackPorts {
  /** The one public port: /rest/v1, /functions/v1, /storage/v1 (Supabase's 54321). */
  gateway: number;
  /** PostgreSQL over TCP (Supabase's 54322). */
  db: number;
  /** PostgREST, reached only through the gateway. */
  postgrest: number;
  /** PostgREST's admin port (/live, /ready). */
  postgrestAdmin: number;
  /** Local stand-in for the OpenAI-compatible AI endpoint. */
  openaiStandin: number;
  /** Local stand-in for Google Cloud Vision. */
  visionStandin: number;
}

export interface StackConfig {
  /** Repository root: holds supabase/, functions/, sql/. */
  root: string;
  /** Name of this instance: `dev` for the demo, `test` for the test command. */
  instance: string;
  /** Everything this instance writes; `reset` removes exactly this. */
  dir: string;
  pgData: string;
  /** Unix sockets and pid files. */
  runDir: string;
  logDir: string;
  storageDir: string;
  secretsFile: string;
  /** The sourceable env file with URLs and keys, written at start-up. */
  envFile: string;
  ports: StackPorts;
  /** Wall-clock limit of one Edge Function invocation, in ms (hosted default: 150 s). */
  wallClockMs: number;
  /** Per-function overrides of the wall-clock limit, by function name. */
  wallClockOverrides: Record<string, number>;
  /** Extra function folders served locally only (test fixtures), each with a config.toml. */
  extraFunctionDirs: string[];
}

const DEFAULT_PORT_BASE = 54321;
const HOSTED_WALL_CLOCK_MS = 150_000;

function intFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  }
  return value;
}

function portFrom(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const port = intFrom(env, name, fallback);
  if (port > 65535) throw new Error(`${name} must be a port number (1-65535), got ${port}`);
  return port;
}

/** `STACK_WALL_CLOCK_MS__<FUNCTION_NAME>` where the name is upper-cased with - as _. */
const OVERRIDE_PREFIX = "STACK_WALL_CLOCK_MS__";

export function functionEnvKey(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

export function loadConfig(
  root: string,
  env: Record<string, string | undefined> = Deno.env.toObject(),
): StackConfig {
  const instance = env.STACK_INSTANCE || "dev";
  if (!/^[a-z0-9][a-z0-9_-]*$/.test(instance)) {
    throw new Error(`STACK_INSTANCE must be lower-case letters, digits, - or _, got "${instance}"`);
  }
  const dir = env.STACK_DIR || `${root}/.stack/${instance}`;
  const base = portFrom(env, "STACK_PORT_BASE", DEFAULT_PORT_BASE);
  const ports: StackPorts = {
    gateway: portFrom(env, "STACK_GATEWAY_PORT", base),
    db: portFrom(env, "STACK_DB_PORT", base + 1),
    postgrest: portFrom(env, "STACK_POSTGREST_PORT", base + 4),
    postgrestAdmin: portFrom(env, "STACK_POSTGREST_ADMIN_PORT", base + 5),
    openaiStandin: portFrom(env, "STACK_OPENAI_STANDIN_PORT", base + 6),
    visionStandin: portFrom(env, "STACK_VISION_STANDIN_PORT", base + 7),
  };
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    const other = seen.get(port);
    if (other) throw new Error(`ports for ${other} and ${name} are both ${port}`);
    seen.set(port, name);
  }

  const wallClockOverrides: Record<string, number> = {};
  for (const key of Object.keys(env)) {
    if (key.startsWith(OVERRIDE_PREFIX)) {
      wallClockOverrides[key.slice(OVERRIDE_PREFIX.length)] = intFrom(env, key, HOSTED_WALL_CLOCK_MS);
    }
  }

  return {
    root,
    instance,
    dir,
    pgData: `${dir}/pg`,
    runDir: `${dir}/run`,
    logDir: `${dir}/logs`,
    storageDir: `${dir}/storage`,
    secretsFile: `${dir}/secrets.json`,
    envFile: `${dir}/env`,
    ports,
    wallClockMs: intFrom(env, "STACK_WALL_CLOCK_MS", HOSTED_WALL_CLOCK_MS),
    wallClockOverrides,
    extraFunctionDirs: (env.STACK_EXTRA_FUNCTIONS ?? "").split(":").filter(Boolean)
      .map((p) => (p.startsWith("/") ? p : `${root}/${p}`)),
  };
}

/** The wall-clock limit for one function, honouring its override. */
export function wallClockFor(config: StackConfig, functionName: string): number {
  return config.wallClockOverrides[functionEnvKey(functionName)] ?? config.wallClockMs;
}

export function repoRoot(): string {
  return new URL("..", import.meta.url).pathname.replace(/\/$/, "");
}
