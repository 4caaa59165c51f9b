// The local stack's command line: start | stop | restart | status | reset | env | token.
// Usage: deno run -A stack/cli.ts <command>   (or: npm run stack -- <command>)

import { loadConfig, repoRoot, type StackConfig } from "./config.ts";
import { endpoints, ensureSecrets, readSecrets, writeEnvFile } from "./instance.ts";
import { mintUserToken } from "./jwt.ts";
import {
  applyBootstrap,
  clusterExists,
  initCluster,
  postgresRunning,
  psql,
  startPostgres,
  stopPostgres,
  storeVaultSecrets,
  waitForPostgres,
} from "./postgres.ts";
import {
  httpOk,
  logFile,
  portIsFree,
  serviceRunning,
  spawnDetached,
  stopService,
  waitUntil,
} from "./processes.ts";
import { applyMigrations } from "./migrations.ts";
import { SERVICE_NAMES, serviceSpecs } from "./services.ts";

function say(message: string) {
  console.log(`[stack:${config.instance}] ${message}`);
}

/** Each port must be free, or already held by this instance's own running service. */
async function checkPorts(config: StackConfig) {
  const owners: Array<[keyof StackConfig["ports"], boolean]> = [
    ["db", clusterExists(config) && await postgresRunning(config)],
    ["postgrest", serviceRunning(config.runDir, "postgrest") !== null],
    ["postgrestAdmin", serviceRunning(config.runDir, "postgrest") !== null],
    ["gateway", serviceRunning(config.runDir, "gateway") !== null],
    ["openaiStandin", serviceRunning(config.runDir, "openai-standin") !== null],
    ["visionStandin", serviceRunning(config.runDir, "vision-standin") !== null],
  ];
  for (const [name, ours] of owners) {
    const port = config.ports[name];
    if (!ours && !portIsFree(port)) {
      throw new Error(
        `port ${port} (${name}) on 127.0.0.1 is already in use by another program. ` +
          `Stop that program, or move this stack with STACK_PORT_BASE=<port> ` +
          `(or STACK_${name.replace(/[A-Z]/g, (c) => "_" + c).toUpperCase()}_PORT).`,
      );
    }
  }
}

async function start() {
  await checkPorts(config);
  const secrets = ensureSecrets(config, Deno.env.toObject());
  await Deno.mkdir(config.logDir, { recursive: true });
  await Deno.mkdir(config.storageDir, { recursive: true });

  if (!clusterExists(config)) {
    say("creating the database cluster");
    await initCluster(config);
  }
  if (!(await postgresRunning(config))) {
    say(`starting PostgreSQL on 127.0.0.1:${config.ports.db}`);
    await startPostgres(config);
  }
  await waitForPostgres(config);
  await applyBootstrap(config, secrets);
  const values = await endpoints(config, secrets);
  await applyMigrations(config, values.SUPABASE_DB_URL);
  await storeVaultSecrets(config, {
    project_url: values.SUPABASE_URL,
    service_role_key: values.SUPABASE_SERVICE_ROLE_KEY,
  });
  await writeEnvFile(config, values);

  const specs = serviceSpecs(config, secrets, values);
  for (const name of SERVICE_NAMES) {
    if (serviceRunning(config.runDir, name) === null) {
      say(`starting ${name}`);
      spawnDetached(specs[name], config.runDir, config.logDir);
    }
  }
  await waitHealthy();
  await status();
}

/** The HTTP services and the URL that answers when each is ready. */
function httpProbes(): Array<[string, string]> {
  const at = (port: number, path: string) => `http://127.0.0.1:${port}${path}`;
  return [
    ["postgrest", at(config.ports.postgrestAdmin, "/ready")],
    ["openai-standin", at(config.ports.openaiStandin, "/_control/counters")],
    ["vision-standin", at(config.ports.visionStandin, "/_control/counters")],
    ["gateway", at(config.ports.gateway, "/_stack/health")],
  ];
}

async function waitHealthy() {
  const hint = (name: string) => `see ${logFile(config.logDir, name)}`;
  for (const [name, url] of httpProbes()) await waitUntil(name, () => httpOk(url), 30_000, hint(name));
  await waitUntil("net-dispatcher", () => Promise.resolve(serviceRunning(config.runDir, "net-dispatcher") !== null), 5_000, hint("net-dispatcher"));
}

interface Health {
  name: string;
  healthy: boolean;
  detail: string;
}

async function health(): Promise<Health[]> {
  const rows: Health[] = [];
  const pgUp = clusterExists(config) && await postgresRunning(config);
  let pgDetail = pgUp ? `127.0.0.1:${config.ports.db}` : "stopped";
  let pgHealthy = false;
  if (pgUp) {
    try {
      const cron = await psql(config, "select extversion from pg_extension where extname = 'pg_cron'");
      pgHealthy = cron !== "";
      pgDetail += `, pg_cron ${cron || "missing"}`;
    } catch (error) {
      pgDetail += `, not answering: ${(error as Error).message.split("\n")[0]}`;
    }
  }
  rows.push({ name: "postgres", healthy: pgHealthy, detail: pgDetail });

  const probe = async (name: string, url: string) => {
    const pid = serviceRunning(config.runDir, name);
    const ok = pid !== null && await httpOk(url).catch(() => false);
    rows.push({ name, healthy: ok, detail: pid === null ? "stopped" : `pid ${pid}, ${url}` });
  };
  for (const [name, url] of httpProbes()) await probe(name, url);
  const dispatcher = serviceRunning(config.runDir, "net-dispatcher");
  rows.push({
    name: "net-dispatcher",
    healthy: dispatcher !== null,
    detail: dispatcher === null ? "stopped" : `pid ${dispatcher}`,
  });
  return rows;
}

async function status(): Promise<boolean> {
  const rows = await health();
  for (const row of rows) {
    console.log(`  ${row.healthy ? "healthy" : "DOWN   "}  ${row.name.padEnd(15)} ${row.detail}`);
  }
  const healthy = rows.every((r) => r.healthy);
  if (healthy) {
    console.log(`  API:  http://127.0.0.1:${config.ports.gateway}  (/rest/v1, /functions/v1, /storage/v1)`);
    console.log(`  keys: ${config.envFile}`);
    console.log(`  logs: ${config.logDir}/`);
  }
  return healthy;
}

async function stop() {
  for (const name of [...SERVICE_NAMES].reverse()) {
    if (await stopService(config.runDir, name)) say(`stopped ${name}`);
  }
  if (await stopPostgres(config)) say("stopped PostgreSQL");
}

async function reset() {
  await stop();
  await Deno.remove(config.dir, { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  say(`removed ${config.dir}`);
}

async function printEnv() {
  const values = await endpoints(config, readSecrets(config));
  for (const [key, value] of Object.entries(values)) console.log(`${key}=${value}`);
}

async function token(userId: string | undefined, email: string | undefined) {
  if (!userId) throw new Error("usage: stack token <user-uuid> [email]");
  console.log(await mintUserToken(readSecrets(config).jwtSecret, { id: userId, email }));
}

const USAGE = `usage: stack <start|stop|restart|status|reset|env|token <user-id> [email]>

Environment: STACK_INSTANCE (default dev), STACK_PORT_BASE (default 54321),
STACK_GATEWAY_PORT, STACK_DB_PORT, STACK_POSTGREST_PORT, STACK_POSTGREST_ADMIN_PORT,
STACK_WALL_CLOCK_MS (default 150000), STACK_WALL_CLOCK_MS__<FUNCTION>, STACK_EXTRA_FUNCTIONS.`;

let config: StackConfig;
try {
  config = loadConfig(repoRoot());
  const [command, ...args] = Deno.args;
  switch (command) {
    case "start":
      await start();
      break;
    case "stop":
      await stop();
      break;
    case "restart": // picks up changed stack code, which a plain start leaves running
      await stop();
      await start();
      break;
    case "status":
      if (!(await status())) Deno.exit(1);
      break;
    case "reset":
      await reset();
      break;
    case "env":
      await printEnv();
      break;
    case "token":
      await token(args[0], args[1]);
      break;
    default:
      console.error(USAGE);
      Deno.exit(2);
  }
} catch (error) {
  console.error(`stack: ${(error as Error).message}`);
  Deno.exit(1);
}
