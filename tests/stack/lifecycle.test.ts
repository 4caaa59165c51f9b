// The stack's own life: from nothing to healthy, a second start that changes nothing, a
// clear refusal when a port is taken, a clean stop and a reset that wipes the data.
// Uses its own instance and ports, so it never touches the instance the other tests use.

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import { loadConfig, repoRoot } from "../../stack/config.ts";
import { isAlive, readPid } from "../../stack/processes.ts";

const root = repoRoot();
const BASE = Number(Deno.env.get("STACK_LIFECYCLE_PORT_BASE") ?? 24721);

function stackCli(instance: string, base: number, ...args: string[]) {
  return new Deno.Command(`${root}/node_modules/.bin/deno`, {
    args: ["run", "-A", "--config", `${root}/deno.json`, `${root}/stack/cli.ts`, ...args],
    // Empty values override what the test command exported for its own instance.
    env: { STACK_INSTANCE: instance, STACK_DIR: "", STACK_PORT_BASE: String(base), STACK_EXTRA_FUNCTIONS: "" },
    stdout: "piped",
    stderr: "piped",
  }).output().then((out) => ({
    code: out.code,
    out: new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr),
  }));
}

const SERVICES = ["postgrest", "openai-standin", "vision-standin", "gateway", "net-dispatcher"];

Deno.test({
  name: "the stack starts from nothing, is healthy, starts twice harmlessly, refuses a taken port, stops and resets",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const instance = "lifecycle";
    const config = loadConfig(root, { STACK_INSTANCE: instance, STACK_PORT_BASE: String(BASE) });
    await stackCli(instance, BASE, "reset");
    try {
      await t.step("start from nothing", async () => {
        const start = await stackCli(instance, BASE, "start");
        assertEquals(start.code, 0, start.out);
        assertStringIncludes(start.out, "creating the database cluster");
        const status = await stackCli(instance, BASE, "status");
        assertEquals(status.code, 0, status.out);
        for (const name of ["postgres", ...SERVICES]) assertMatch(status.out, new RegExp(`healthy\\s+${name}\\b`));
        const health = await fetch(`http://127.0.0.1:${config.ports.gateway}/_stack/health`);
        assertEquals(health.status, 200);
        await health.body?.cancel();
      });

      const pids = SERVICES.map((name) => readPid(`${config.runDir}/${name}.pid`));

      await t.step("a second start changes nothing", async () => {
        const again = await stackCli(instance, BASE, "start");
        assertEquals(again.code, 0, again.out);
        assert(!again.out.includes("starting"), again.out);
        assertEquals(SERVICES.map((name) => readPid(`${config.runDir}/${name}.pid`)), pids);
      });

      await t.step("another instance on the same ports is refused with a clear message", async () => {
        const clash = await stackCli("lifecycle-clash", BASE, "start");
        assertEquals(clash.code, 1, clash.out);
        assertMatch(clash.out, /port \d+ \(\w+\) on 127\.0\.0\.1 is already in use/);
        assertStringIncludes(clash.out, "STACK_PORT_BASE");
        await stackCli("lifecycle-clash", BASE, "reset");
      });

      await t.step("a port taken by some other program is named", async () => {
        const other = BASE + 100;
        const listener = Deno.listen({ hostname: "127.0.0.1", port: other + 1 }); // its db port
        try {
          const clash = await stackCli("lifecycle-other", other, "start");
          assertEquals(clash.code, 1, clash.out);
          assertStringIncludes(clash.out, `port ${other + 1} (db) on 127.0.0.1 is already in use`);
        } finally {
          listener.close();
          await stackCli("lifecycle-other", other, "reset");
        }
      });

      await t.step("stop ends every process and status says so", async () => {
        const stop = await stackCli(instance, BASE, "stop");
        assertEquals(stop.code, 0, stop.out);
        for (const pid of pids) assert(pid !== null && !isAlive(pid), `pid ${pid} still alive`);
        const status = await stackCli(instance, BASE, "status");
        assertEquals(status.code, 1, status.out);
        assertMatch(status.out, /DOWN\s+postgres/);
      });

      await t.step("reset wipes the instance's data", async () => {
        const reset = await stackCli(instance, BASE, "reset");
        assertEquals(reset.code, 0, reset.out);
        assertEquals(await Deno.stat(config.dir).then(() => true, () => false), false);
      });
    } finally {
      await stackCli(instance, BASE, "reset");
    }
  },
});
