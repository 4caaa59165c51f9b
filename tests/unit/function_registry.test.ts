import { assertEquals, assertThrows } from "@std/assert";
import { functionsFromToml } from "../../stack/edge/registry.ts";

Deno.test("functions come from config.toml with Supabase's defaults", () => {
  const specs = functionsFromToml(
    `
[functions.one]
verify_jwt = false
entrypoint = "../functions/one/index.ts"

[functions.two]

[functions.off]
enabled = false
`,
    "/repo/supabase",
    "config.toml",
  );
  assertEquals(specs, [
    { name: "one", entrypoint: "file:///repo/functions/one/index.ts", verifyJwt: false },
    { name: "two", entrypoint: "file:///repo/supabase/functions/two/index.ts", verifyJwt: true },
  ]);
});

Deno.test("a bad function entry is refused naming the function", () => {
  assertThrows(
    () => functionsFromToml(`[functions.x]\nverify_jwt = "yes"`, "/r", "c.toml"),
    Error,
    "functions.x.verify_jwt",
  );
  assertThrows(() => functionsFromToml(`[functions."a/b"]`, "/r", "c.toml"), Error, `"a/b"`);
});
