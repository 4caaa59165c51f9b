// Fault injection at the gateway (stack/faults.ts): which requests a rule takes, what it does
// before and after the upstream, and that only the service key may set rules.
import { assert, assertEquals, assertThrows } from "@std/assert";
import { applyFault, FaultRules } from "../../stack/faults.ts";
import { createGatewayHandler } from "../../stack/gateway_handler.ts";
import { mintApiKeys } from "../../stack/jwt.ts";

const SECRET = "f".repeat(40);
const keys = await mintApiKeys(SECRET);
const quiet = () => {};

Deno.test("a rule takes matching requests only, `times` times, by method, path and body", () => {
  const rules = new FaultRules();
  rules.add({ path: "^/rest/v1/rpc/record_page_text$", method: "post", at: "before", action: "hang", times: 2 });
  rules.add({ path: "^/functions/v1/job-worker$", bodyIncludes: '"source":"chain"', at: "before", action: "error" });
  assertEquals(rules.take("GET", "/rest/v1/rpc/record_page_text", null), null, "another method");
  assertEquals(rules.take("POST", "/rest/v1/rpc/record_page_textx", null), null, "anchored path");
  assertEquals(rules.take("POST", "/rest/v1/rpc/record_page_text", null)?.id, 1);
  assertEquals(rules.take("POST", "/rest/v1/rpc/record_page_text", null)?.id, 1);
  assertEquals(rules.take("POST", "/rest/v1/rpc/record_page_text", null), null, "used up after 2");
  assert(rules.needsBody("POST", "/functions/v1/job-worker"));
  assert(!rules.needsBody("POST", "/rest/v1/rpc/record_page_text"));
  assertEquals(rules.take("POST", "/functions/v1/job-worker", '{"source":"cron"}'), null);
  assertEquals(rules.take("POST", "/functions/v1/job-worker", '{"source":"chain","from":"w"}')?.status, 503);
  assertEquals(rules.list().map((r) => r.hits), [2, 1]);
  rules.clear();
  assertEquals(rules.list(), []);
});

Deno.test("a probability below 1 skips a request without using up the rule", () => {
  const draws = [0.9, 0.1];
  const rules = new FaultRules(() => draws.shift()!);
  rules.add({ path: "x", at: "before", action: "error", probability: 0.5 });
  assertEquals(rules.take("POST", "/x", null), null, "0.9 >= 0.5: missed");
  assertEquals(rules.take("POST", "/x", null)?.id, 1, "0.1 < 0.5: hit");
  assertEquals(rules.list()[0].hits, 1);
});

Deno.test("rules are validated: a bad one names its problem and adds nothing", () => {
  const rules = new FaultRules();
  assertThrows(() => rules.add({ path: "(", at: "before", action: "hang" }), Error, "regular expression");
  assertThrows(() => rules.add({ path: "x", at: "during", action: "hang" }));
  assertThrows(() => rules.add([]));
  assertEquals(rules.list(), []);
});

Deno.test("before: the upstream never sees the request; after: it does, and its answer is lost", async () => {
  let forwarded = 0;
  const forward = () => {
    forwarded++;
    return Promise.resolve(Response.json({ committed: true }));
  };
  const [before, after] = new FaultRules().add([
    { path: "x", at: "before", action: "error", status: 500 },
    { path: "x", at: "after", action: "error", status: 502 },
  ]);
  const signal = new AbortController().signal;
  const a = await applyFault(before, signal, forward, quiet);
  assertEquals([a.status, forwarded], [500, 0]);
  await a.body?.cancel();
  const b = await applyFault(after, signal, forward, quiet);
  assertEquals([b.status, forwarded], [502, 1]);
  assert(!(await b.text()).includes("committed"), "the upstream's answer is not passed on");
});

Deno.test("delay forwards the request late (before) or passes the answer on late (after)", async () => {
  const order: string[] = [];
  const forward = () => {
    order.push("forwarded");
    return Promise.resolve(new Response("answer"));
  };
  const [before, after] = new FaultRules().add([
    { path: "x", at: "before", action: "delay", holdMs: 30 },
    { path: "x", at: "after", action: "delay", holdMs: 30 },
  ]);
  const signal = new AbortController().signal;
  for (const rule of [before, after]) {
    order.length = 0;
    const started = performance.now();
    const pending = applyFault(rule, signal, forward, quiet);
    order.push("returned");
    const response = await pending;
    assertEquals(await response.text(), "answer", "the upstream's answer is passed on");
    assert(performance.now() - started >= 25, "held for holdMs");
    assertEquals(order, rule.at === "before" ? ["returned", "forwarded"] : ["forwarded", "returned"]);
  }
});

Deno.test("hang holds the request until the caller goes away", async () => {
  const [rule] = new FaultRules().add({ path: "x", at: "before", action: "hang", holdMs: 60_000 });
  const caller = new AbortController();
  let settled = false;
  const pending = applyFault(rule, caller.signal, () => Promise.resolve(new Response("no")), quiet)
    .then((r) => {
      settled = true;
      return r;
    });
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(settled, false, "still held");
  caller.abort();
  const response = await pending;
  assertEquals(response.status, 504);
  await response.body?.cancel();
});

Deno.test("the gateway applies rules and lets only the service key change them", async () => {
  const invoked: string[] = [];
  const handler = createGatewayHandler({
    postgrestUrl: "http://127.0.0.1:9",
    jwtSecret: SECRET,
    functions: new Map([["job-worker", { name: "job-worker", entrypoint: "file:///w.ts", verifyJwt: false }]]),
    invokeFunction: async (_spec, req) => {
      invoked.push(await req.text());
      return new Response("ran");
    },
    storage: () => Promise.resolve(new Response("st")),
    health: () => ({}),
    faults: new FaultRules(),
    log: quiet,
  });
  const control = (method: string, key: string, body?: unknown) =>
    handler(new Request("http://gw/_stack/faults", {
      method,
      headers: { authorization: `Bearer ${key}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    }));
  const rule = { path: "^/functions/v1/job-worker$", bodyIncludes: "chain", at: "before", action: "error" };
  const refused = await control("POST", keys.anonKey, rule);
  assertEquals(refused.status, 401);
  await refused.body?.cancel();
  const bad = await control("POST", keys.serviceRoleKey, { path: "x" });
  assertEquals(bad.status, 400);
  assert((await bad.json()).message.includes("not a fault rule"));
  const added = await control("POST", keys.serviceRoleKey, rule);
  assertEquals(added.status, 201);
  await added.body?.cancel();

  const post = (body: string) => handler(new Request("http://gw/functions/v1/job-worker", { method: "POST", body }));
  const dropped = await post('{"source":"chain"}');
  assertEquals(dropped.status, 503);
  await dropped.body?.cancel();
  const ran = await post('{"source":"cron"}');
  assertEquals(await ran.text(), "ran");
  assertEquals(invoked, ['{"source":"cron"}'], "the body is still there for the function after a check");
  const listed = await (await control("GET", keys.serviceRoleKey)).json();
  assertEquals(listed.rules.map((r: { hits: number }) => r.hits), [1]);
  await (await control("DELETE", keys.serviceRoleKey)).body?.cancel();
  assertEquals((await (await control("GET", keys.serviceRoleKey)).json()).rules, []);
});
