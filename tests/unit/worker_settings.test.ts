// The worker's settings from the environment: defaults, overrides, and refusals that name the
// variable.

import { assertEquals, assertThrows } from "@std/assert";
import { workerSettings } from "../../functions/_shared/worker/settings.ts";

const BASE = { SUPABASE_URL: "http://127.0.0.1:54321/", SUPABASE_SERVICE_ROLE_KEY: "key" };

Deno.test("defaults: a 100 s budget with a 30 s safety margin", () => {
  assertEquals(workerSettings(BASE), {
    supabaseUrl: "http://127.0.0.1:54321",
    serviceRoleKey: "key",
    budgetMs: 100_000,
    safetyMarginMs: 30_000,
    chain: true,
  });
  assertEquals(workerSettings({ ...BASE, WORKER_BUDGET_MS: " " }).budgetMs, 100_000);
});

Deno.test("chain is the host's choice, not the environment's: on unless the host turns it off", () => {
  assertEquals(workerSettings({ ...BASE, WORKER_CHAIN: "false" }).chain, true);
  assertEquals(workerSettings(BASE, { chain: false }).chain, false);
  assertEquals(workerSettings(BASE, { chain: true }).chain, true);
});

Deno.test("WORKER_BUDGET_MS and WORKER_SAFETY_MARGIN_MS override them", () => {
  const settings = workerSettings({
    ...BASE,
    WORKER_BUDGET_MS: "60000",
    WORKER_SAFETY_MARGIN_MS: "5000",
  });
  assertEquals([settings.budgetMs, settings.safetyMarginMs], [60_000, 5_000]);
});

Deno.test("bad values are refused with the variable's name", () => {
  for (const value of ["abc", "1.5", "-1", "150001"]) {
    assertThrows(
      () => workerSettings({ ...BASE, WORKER_BUDGET_MS: value }),
      Error,
      "WORKER_BUDGET_MS must be whole milliseconds",
    );
  }
  assertThrows(
    () => workerSettings({ ...BASE, WORKER_BUDGET_MS: "20000" }),
    Error,
    "WORKER_SAFETY_MARGIN_MS must be less than WORKER_BUDGET_MS",
  );
  assertThrows(
    () => workerSettings({ SUPABASE_URL: BASE.SUPABASE_URL }),
    Error,
    "SUPABASE_SERVICE_ROLE_KEY",
  );
});
