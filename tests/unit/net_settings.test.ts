// The dispatcher's settings from the environment.

import { assertEquals, assertThrows } from "@std/assert";
import { netSettings } from "../../stack/net/settings.ts";

Deno.test("responses are kept 6 hours by default, pg_net's pg_net.ttl", () => {
  assertEquals(netSettings({}).ttlSeconds, 21600);
  assertEquals(netSettings({ STACK_NET_TTL_SECONDS: "" }).ttlSeconds, 21600);
});

Deno.test("STACK_NET_TTL_SECONDS sets the response TTL", () => {
  assertEquals(netSettings({ STACK_NET_TTL_SECONDS: "90" }).ttlSeconds, 90);
});

Deno.test("a TTL that is not a positive whole number is refused with the variable's name", () => {
  for (const bad of ["0", "-5", "1.5", "6h"]) {
    assertThrows(
      () => netSettings({ STACK_NET_TTL_SECONDS: bad }),
      Error,
      `STACK_NET_TTL_SECONDS must be a positive whole number of seconds, got "${bad}"`,
    );
  }
});

Deno.test("pg_net's batch size and a 250 ms poll are the defaults", () => {
  const s = netSettings({});
  assertEquals(s.batchSize, 200);
  assertEquals(s.pollMs, 250);
});
