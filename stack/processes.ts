// Background services of the local stack: started detached with their output in a log file,
// tracked by pid files, stopped with SIGTERM then SIGKILL.

export interface ServiceSpec {
  name: string;
  cmd: string[];
  env?: Record<string, string>;
  cwd?: string;
}

export function pidFile(runDir: string, name: string): string {
  return `${runDir}/${name}.pid`;
}

export function logFile(logDir: string, name: string): string {
  return `${logDir}/${name}.log`;
}

/** Starts `spec` in its own session so it outlives this CLI; returns its pid. */
export function spawnDetached(spec: ServiceSpec, runDir: string, logDir: string): number {
  // setsid does not fork here (we are not a group leader), and sh execs: the pid we get is
  // the service's own, which is what the pid file must hold.
  const child = new Deno.Command("setsid", {
    args: ["sh", "-c", 'exec "$0" "$@" >>"$STACK_LOG_FILE" 2>&1 </dev/null', ...spec.cmd],
    env: { ...spec.env, STACK_LOG_FILE: logFile(logDir, spec.name) },
    cwd: spec.cwd,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  child.unref();
  Deno.writeTextFileSync(pidFile(runDir, spec.name), `${child.pid}\n`);
  return child.pid;
}

export function readPid(file: string): number | null {
  try {
    const pid = Number(Deno.readTextFileSync(file).split("\n")[0].trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** True when the process exists and is not a zombie. */
export function isAlive(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

export function serviceRunning(runDir: string, name: string): number | null {
  const pid = readPid(pidFile(runDir, name));
  return pid !== null && isAlive(pid) ? pid : null;
}

export async function stopService(runDir: string, name: string, graceMs = 10_000): Promise<boolean> {
  const file = pidFile(runDir, name);
  const pid = readPid(file);
  if (pid === null || !isAlive(pid)) {
    await Deno.remove(file).catch(() => {});
    return false;
  }
  try {
    Deno.kill(pid, "SIGTERM");
  } catch { /* already gone */ }
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch { /* already gone */ }
    while (isAlive(pid)) await sleep(20);
  }
  await Deno.remove(file).catch(() => {});
  return true;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function portIsFree(port: number): boolean {
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    listener.close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/** Polls `probe` until it returns true; fails naming `what` and pointing at its log. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000}s; ${hint}`);
}

export async function httpOk(url: string): Promise<boolean> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 2000);
  try {
    const res = await fetch(url, { signal: controller.signal });
    await res.body?.cancel();
    return res.ok;
  } finally {
    clearTimeout(timer);
  }
}
