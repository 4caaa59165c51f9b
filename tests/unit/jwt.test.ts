import { assertEquals } from "@std/assert";
import { type JwtVerdict, mintApiKeys, mintUserToken, signJwt, verifyJwt } from "../../stack/jwt.ts";

function claimsOf(verdict: JwtVerdict) {
  if (!verdict.ok) throw new Error(`refused: ${verdict.reason}`);
  return verdict.claims;
}

const SECRET = "s".repeat(40);

Deno.test("a signed token verifies and returns its claims", async () => {
  const token = await signJwt({ role: "anon", sub: "x", exp: 2_000_000_000 }, SECRET);
  assertEquals(claimsOf(await verifyJwt(token, SECRET, 1_000_000_000)).role, "anon");
});

Deno.test("verification refuses, with the reason, what it must refuse", async (t) => {
  const good = await signJwt({ role: "anon", exp: 2_000 }, SECRET);
  const [h, p, s] = good.split(".");
  const cases: Array<[string, string, string, number]> = [
    ["another secret", await signJwt({ role: "anon" }, "o".repeat(40)), "bad_signature", 1_000],
    ["a tampered payload", `${h}.${btoa('{"role":"service_role"}').replace(/=+$/, "")}.${s}`, "bad_signature", 1_000],
    ["expired", good, "expired", 2_000],
    ["two parts", `${h}.${p}`, "malformed", 1_000],
    ["garbage", "a.b.c", "malformed", 1_000],
    ["a non-object payload", `${h}.${btoa("[1]")}.${s}`, "malformed", 1_000],
    ["alg none", `${btoa('{"alg":"none"}').replace(/=+$/, "")}.${p}.`, "bad_algorithm", 1_000],
  ];
  for (const [name, token, reason, now] of cases) {
    await t.step(name, async () => {
      const verdict = await verifyJwt(token, SECRET, now);
      assertEquals(verdict.ok ? "ok" : verdict.reason, reason);
    });
  }
});

Deno.test("API keys and user tokens carry the roles PostgREST switches to", async () => {
  const keys = await mintApiKeys(SECRET, 1_000);
  const anon = claimsOf(await verifyJwt(keys.anonKey, SECRET, 1_001));
  const service = claimsOf(await verifyJwt(keys.serviceRoleKey, SECRET, 1_001));
  assertEquals([anon.role, service.role], ["anon", "service_role"]);

  const user = await mintUserToken(SECRET, { id: "u-1", email: "a@b.test" }, { now: 1_000, expiresInSeconds: 60 });
  const claims = claimsOf(await verifyJwt(user, SECRET, 1_030));
  assertEquals([claims.role, claims.sub, claims.aud], ["authenticated", "u-1", "authenticated"]);
  assertEquals((await verifyJwt(user, SECRET, 1_060)).ok, false, "expires when it says");
});
