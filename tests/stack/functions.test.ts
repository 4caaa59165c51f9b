// The local Edge Runtime behind /functions/v1: verify_jwt, the environment functions get,
// EdgeRuntime.waitUntil, the wall-clock limit, and crashes that must not take it down.
// Fixtures: tests/fixtures/functions (the test command gives `sleeper` a 1500 ms limit).

import { assert, assertEquals, assertStringIncludes } from "@std/assert";
import { client, testStack } from "../support/stack.ts";
import { mintUserToken, signJwt } from "../../stack/jwt.ts";

const stack = testStack();
const fn = (name: string, query = "") => `${stack.url}/functions/v1/${name}${query}`;
const SLEEPER_LIMIT_MS = 1500;

const invocations = async (name: string): Promise<number> =>
  (await (await fetch(`${stack.url}/_stack/health`)).json()).invocations[name] ?? 0;

Deno.test("supabase-js invokes a function with the runtime's environment and waitUntil", async () => {
  const before = await invocations("echo");
  const { data, error } = await client(stack.anonKey).functions.invoke("echo", { body: { hello: "world" } });
  assertEquals(await invocations("echo"), before + 1, "the runtime counts invocations");
  assertEquals(error, null);
  assertEquals(data.method, "POST");
  assertEquals(data.path, "/echo");
  assertEquals(JSON.parse(data.body), { hello: "world" });
  assertEquals(data.env.SUPABASE_URL, stack.url);
  assert(data.env.hasServiceRoleKey && data.env.hasAnonKey);
  assert(data.hasWaitUntil);
});

Deno.test("a function with verify_jwt refuses requests without a valid JWT", async (t) => {
  const now = Math.floor(Date.now() / 1000);
  const cases: Array<[string, Record<string, string>]> = [
    ["no Authorization header", {}],
    ["not a bearer token", { Authorization: "Basic Zm9vOmJhcg==" }],
    ["malformed JWT", { Authorization: "Bearer not-a-jwt" }],
    ["signed with another secret", {
      Authorization: `Bearer ${await signJwt({ role: "anon", exp: now + 60 }, "x".repeat(40))}`,
    }],
    ["expired", {
      Authorization: `Bearer ${await mintUserToken(stack.jwtSecret, { id: crypto.randomUUID() }, { now: now - 7200 })}`,
    }],
  ];
  for (const [name, headers] of cases) {
    await t.step(name, async () => {
      const res = await fetch(fn("guarded-echo"), { method: "POST", headers, body: "{}" });
      const body = await res.json();
      assertEquals(res.status, 401, JSON.stringify(body));
      assert(typeof body.message === "string" && body.message.length > 0);
    });
  }
  await t.step("the same function without verify_jwt answers", async () => {
    const res = await fetch(fn("echo"), { method: "POST", body: "{}" });
    assertEquals(res.status, 200);
    await res.body?.cancel();
  });
  await t.step("a user's valid token is accepted and reaches the function", async () => {
    const token = await mintUserToken(stack.jwtSecret, { id: crypto.randomUUID() });
    const res = await fetch(fn("guarded-echo"), {
      method: "POST",
      headers: { Authorization: `Bearer ${token}` },
      body: "{}",
    });
    assertEquals(res.status, 200);
    assertEquals((await res.json()).authorization, `Bearer ${token}`);
  });
});

Deno.test("an unknown function is a 404", async () => {
  const res = await fetch(fn("no-such-function"), { method: "POST" });
  assertEquals(res.status, 404);
  assertStringIncludes((await res.json()).message, "no-such-function");
});

Deno.test("a function that outlives the wall-clock limit is killed and the caller sees 546", async () => {
  const started = Date.now();
  const res = await fetch(fn("sleeper", "?ms=10000"));
  const elapsed = Date.now() - started;
  const body = await res.json();
  assertEquals(res.status, 546);
  assertEquals(res.headers.get("sb-error-code"), "WORKER_LIMIT");
  assertEquals(body.code, "WORKER_LIMIT");
  assert(elapsed >= SLEEPER_LIMIT_MS && elapsed < 10_000, `answered after ${elapsed} ms`);

  const quick = await fetch(fn("sleeper", "?ms=50"));
  assertEquals(quick.status, 200, "the runtime still serves the same function afterwards");
  assertEquals(await quick.json(), { slept: 50 });
});

Deno.test("loading a function's code does not count against its wall clock", async () => {
  // slow-boot takes 2.5 s to load and has a 1.5 s wall clock; the first call boots it.
  const res = await fetch(fn("slow-boot"), { method: "POST", body: "{}" });
  assertEquals(res.status, 200);
  assertEquals(await res.json(), { booted: true });
});

/** A loopback server that counts what the sleeper's background task sends it. */
function pingCounter() {
  const seen = { ticks: 0, finished: false };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const text = await req.text();
    if (text === "tick") seen.ticks++;
    if (text === "finished") seen.finished = true;
    return new Response("ok");
  });
  return { seen, url: `http://127.0.0.1:${server.addr.port}/`, close: () => server.shutdown() };
}

Deno.test("EdgeRuntime.waitUntil work finishes within the limit and is killed past it", async () => {
  const counter = pingCounter();
  try {
    // Within the limit: the response comes first, the background task runs to its end.
    const short = await fetch(fn("sleeper", `?background=300&ping=${encodeURIComponent(counter.url)}`));
    assertEquals(short.status, 202);
    await short.body?.cancel();
    const deadline = Date.now() + 5000;
    while (!counter.seen.finished && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert(counter.seen.finished, "background task within the limit ran to its end");

    // Past the limit: the caller already has its answer; the background work is cut off.
    counter.seen.ticks = 0;
    counter.seen.finished = false;
    const long = await fetch(fn("sleeper", `?background=10000&ping=${encodeURIComponent(counter.url)}`));
    assertEquals(long.status, 202);
    await long.body?.cancel();
    await new Promise((r) => setTimeout(r, SLEEPER_LIMIT_MS + 700));
    const ticksAtKill = counter.seen.ticks;
    assert(ticksAtKill > 0, "the background task was running before the limit");
    await new Promise((r) => setTimeout(r, 600));
    assertEquals(counter.seen.ticks, ticksAtKill, "no tick after the worker was killed");
    assertEquals(counter.seen.finished, false);
  } finally {
    await counter.close();
  }
});

Deno.test("a crashing function answers 500 and does not take the runtime down", async () => {
  const thrown = await fetch(fn("crasher", "?mode=throw"));
  assertEquals(thrown.status, 500);
  assertEquals((await thrown.json()).code, "WORKER_ERROR");

  const rejected = await fetch(fn("crasher", "?mode=reject"));
  assertEquals(rejected.status, 200);
  await rejected.body?.cancel();
  await new Promise((r) => setTimeout(r, 100)); // let the rejection kill that worker

  for (let i = 0; i < 3; i++) {
    const ok = await fetch(fn("crasher"));
    assertEquals(ok.status, 200);
    assertEquals(await ok.text(), "ok");
  }
});
