// The local PostgreSQL 15 cluster: created with initdb, pg_cron preloaded, the local bootstrap
// (roles, auth, storage, net, default privileges) applied on every start.

import type { StackConfig } from "./config.ts";
import { logFile, sleep } from "./processes.ts";
import type { Secrets } from "./instance.ts";

const PG_BIN = Deno.env.get("STACK_PG_BIN") ?? "/usr/lib/postgresql/15/bin";
/** The cluster's superuser, as on Supabase's image; migrations run as `postgres`. */
export const SUPERUSER = "supabase_admin";
const IS_ROOT = Deno.uid() === 0;
/** PostgreSQL refuses to run as root; then the cluster belongs to the `postgres` OS user. */
const OS_USER = "postgres";

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(cmd: string[], options: { asDbUser?: boolean; stdin?: string } = {}): Promise<RunResult> {
  const argv = options.asDbUser && IS_ROOT ? ["runuser", "-u", OS_USER, "--", ...cmd] : cmd;
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

async function mustRun(what: string, cmd: string[], options: { asDbUser?: boolean; stdin?: string } = {}) {
  const result = await run(cmd, options);
  if (result.code !== 0) {
    throw new Error(`${what} failed (exit ${result.code}):\n${result.stderr || result.stdout}`);
  }
  return result;
}

async function chownToDbUser(path: string) {
  if (IS_ROOT) await mustRun(`chown ${path}`, ["chown", "-R", `${OS_USER}:${OS_USER}`, path]);
}

export function clusterExists(config: StackConfig): boolean {
  try {
    Deno.statSync(`${config.pgData}/PG_VERSION`);
    return true;
  } catch {
    return false;
  }
}

export async function initCluster(config: StackConfig): Promise<void> {
  await Deno.mkdir(config.pgData, { recursive: true, mode: 0o700 });
  await chownToDbUser(config.pgData);
  await mustRun("initdb", [
    `${PG_BIN}/initdb`,
    "-D",
    config.pgData,
    "-U",
    SUPERUSER,
    "-E",
    "UTF8",
    "--locale=C.UTF-8",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
  ], { asDbUser: true });
  // Settings that do not change with ports; ports are given at start so they can change.
  const settings = [
    "",
    "# --- local Supabase stand-in ---",
    "listen_addresses = '127.0.0.1'",
    "shared_preload_libraries = 'pg_cron'",
    "cron.database_name = 'postgres'",
    "cron.use_background_workers = on",
    "max_worker_processes = 48",
    "log_min_messages = warning",
    "log_line_prefix = '%m [%p] %q%u@%d '",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "",
  ].join("\n");
  await Deno.writeTextFile(`${config.pgData}/postgresql.conf`, settings, { append: true });
}

export async function startPostgres(config: StackConfig): Promise<void> {
  await Deno.mkdir(config.runDir, { recursive: true });
  await chownToDbUser(config.runDir);
  await Deno.mkdir(config.logDir, { recursive: true });
  const log = logFile(config.logDir, "postgres");
  await Deno.writeTextFile(log, "", { append: true });
  await chownToDbUser(log);
  await mustRun("pg_ctl start", [
    `${PG_BIN}/pg_ctl`,
    "start",
    "-D",
    config.pgData,
    "-l",
    log,
    "-w",
    "-t",
    "60",
    "-o",
    `-p ${config.ports.db} -k ${config.runDir}`,
  ], { asDbUser: true }).catch((error) => {
    throw new Error(`${error.message}\nSee ${log}`);
  });
}

export async function postgresRunning(config: StackConfig): Promise<boolean> {
  const result = await run([`${PG_BIN}/pg_ctl`, "status", "-D", config.pgData], { asDbUser: true });
  return result.code === 0;
}

export async function stopPostgres(config: StackConfig): Promise<boolean> {
  if (!clusterExists(config) || !(await postgresRunning(config))) return false;
  await mustRun("pg_ctl stop", [`${PG_BIN}/pg_ctl`, "stop", "-D", config.pgData, "-m", "fast", "-w"], {
    asDbUser: true,
  });
  return true;
}

/** Runs SQL as the superuser over the instance's private unix socket. */
export async function psql(config: StackConfig, sql: string, user = SUPERUSER): Promise<string> {
  const result = await mustRun(`psql as ${user}`, [
    "psql",
    "-X",
    "-q",
    "-A",
    "-t",
    "-v",
    "ON_ERROR_STOP=1",
    "-h",
    config.runDir,
    "-p",
    String(config.ports.db),
    "-U",
    user,
    "-d",
    "postgres",
  ], { stdin: sql });
  return result.stdout.trim();
}

export async function waitForPostgres(config: StackConfig, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      await psql(config, "select 1");
      return;
    } catch (error) {
      last = (error as Error).message;
      await sleep(100);
    }
  }
  throw new Error(`PostgreSQL did not accept connections: ${last}`);
}

const quote = (s: string) => `'${s.replaceAll("'", "''")}'`;

/**
 * Puts values in Vault (the local stand-in, sql/local/05_vault.sql), as an operator does on a
 * hosted project: the cron dispatcher reads the functions' URL and credential from there.
 */
export async function storeVaultSecrets(config: StackConfig, values: Record<string, string>): Promise<void> {
  const statements = Object.entries(values).map(([name, value]) => `
    do $$
    begin
      if exists (select 1 from vault.secrets where name = ${quote(name)}) then
        perform vault.update_secret((select id from vault.secrets where name = ${quote(name)}), ${quote(value)});
      else
        perform vault.create_secret(${quote(value)}, ${quote(name)}, 'written by the local stack at start-up');
      end if;
    end
    $$;`);
  await psql(config, statements.join("\n"));
}

/** Applies sql/local/*.sql in name order. Every file is idempotent. */
export async function applyBootstrap(config: StackConfig, secrets: Secrets): Promise<void> {
  const dir = `${config.root}/sql/local`;
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".sql"))
    .map((e) => e.name).sort();
  for (const name of files) {
    try {
      await psql(config, await Deno.readTextFile(`${dir}/${name}`));
    } catch (error) {
      throw new Error(`local bootstrap ${name}: ${(error as Error).message}`);
    }
  }
  // Passwords are generated per instance and never leave .stack/.
  await psql(
    config,
    `alter role postgres password ${quote(secrets.postgresPassword)};\n` +
      `alter role authenticator password ${quote(secrets.authenticatorPassword)};`,
  );
}
