import { assertEquals, assertThrows } from "@std/assert";
import { loadConfig, wallClockFor } from "../../stack/config.ts";

Deno.test("defaults: instance dev, Supabase's ports, the hosted wall-clock limit", () => {
  const c = loadConfig("/repo", {});
  assertEquals(c.instance, "dev");
  assertEquals(c.dir, "/repo/.stack/dev");
  assertEquals(c.ports, {
    gateway: 54321,
    db: 54322,
    postgrest: 54325,
    postgrestAdmin: 54326,
    openaiStandin: 54327,
    visionStandin: 54328,
  });
  assertEquals(c.wallClockMs, 150_000);
});

Deno.test("a port base moves every port; one port can be set alone", () => {
  const c = loadConfig("/repo", { STACK_PORT_BASE: "60000", STACK_DB_PORT: "61000" });
  assertEquals(c.ports, {
    gateway: 60000,
    db: 61000,
    postgrest: 60004,
    postgrestAdmin: 60005,
    openaiStandin: 60006,
    visionStandin: 60007,
  });
});

Deno.test("per-function wall-clock overrides by upper-cased name", () => {
  const c = loadConfig("/repo", { STACK_WALL_CLOCK_MS: "5000", STACK_WALL_CLOCK_MS__GUARDED_ECHO: "700" });
  assertEquals(wallClockFor(c, "guarded-echo"), 700);
  assertEquals(wallClockFor(c, "echo"), 5000);
});

Deno.test("bad settings are refused with the variable's name", () => {
  assertThrows(() => loadConfig("/r", { STACK_PORT_BASE: "abc" }), Error, "STACK_PORT_BASE");
  assertThrows(() => loadConfig("/r", { STACK_DB_PORT: "70000" }), Error, "STACK_DB_PORT");
  assertThrows(() => loadConfig("/r", { STACK_WALL_CLOCK_MS: "-1" }), Error, "STACK_WALL_CLOCK_MS");
  assertThrows(() => loadConfig("/r", { STACK_INSTANCE: "../x" }), Error, "STACK_INSTANCE");
  assertThrows(() => loadConfig("/r", { STACK_GATEWAY_PORT: "54322" }), Error, "both 54322");
});

Deno.test("extra function folders: relative to the repository, colon-separated", () => {
  const c = loadConfig("/repo", { STACK_EXTRA_FUNCTIONS: "tests/fx:/abs/fx" });
  assertEquals(c.extraFunctionDirs, ["/repo/tests/fx", "/abs/fx"]);
});
