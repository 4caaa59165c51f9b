// The gateway's routing and key checks, with a fake PostgREST, runtime and storage.
import { assertEquals } from "@std/assert";
import { createGatewayHandler } from "../../stack/gateway_handler.ts";
import { mintApiKeys, signJwt } from "../../stack/jwt.ts";
import type { FunctionSpec } from "../../stack/edge/registry.ts";

const SECRET = "g".repeat(40);
const keys = await mintApiKeys(SECRET);

function setup() {
  const seen: Array<{ where: string; url: string; auth: string | null }> = [];
  const upstream = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    seen.push({ where: "postgrest", url: req.url, auth: req.headers.get("authorization") });
    return Response.json({ ok: true });
  });
  const functions = new Map<string, FunctionSpec>([
    ["open", { name: "open", entrypoint: "file:///x.ts", verifyJwt: false }],
    ["guarded", { name: "guarded", entrypoint: "file:///y.ts", verifyJwt: true }],
  ]);
  const handler = createGatewayHandler({
    postgrestUrl: `http://127.0.0.1:${upstream.addr.port}`,
    jwtSecret: SECRET,
    functions,
    invokeFunction: (spec, req, url) => {
      seen.push({ where: `fn:${spec.name}`, url, auth: req.headers.get("authorization") });
      return Promise.resolve(new Response("fn"));
    },
    storage: (req, path) => {
      seen.push({ where: "storage", url: path, auth: req.headers.get("authorization") });
      return Promise.resolve(new Response("st"));
    },
    health: () => ({ workers: 0 }),
  });
  const call = (path: string, init?: RequestInit) => handler(new Request(`http://gw${path}`, init));
  return { seen, call, close: () => upstream.shutdown() };
}

Deno.test("REST: the apikey is required, checked, and becomes the bearer when none is sent", async () => {
  const { seen, call, close } = setup();
  try {
    assertEquals((await call("/rest/v1/t")).status, 401);
    assertEquals((await call("/rest/v1/t", { headers: { apikey: "x.y.z" } })).status, 401);
    assertEquals(seen.length, 0, "refused calls never reach PostgREST");

    const res = await call("/rest/v1/t?select=a", { headers: { apikey: keys.anonKey } });
    assertEquals(res.status, 200);
    await res.body?.cancel();
    assertEquals(seen[0].url.endsWith("/t?select=a"), true, seen[0].url);
    assertEquals(seen[0].auth, `Bearer ${keys.anonKey}`);

    const user = await signJwt({ role: "authenticated", sub: "u" }, SECRET);
    await (await call("/rest/v1/t", { headers: { apikey: keys.anonKey, authorization: `Bearer ${user}` } })).body?.cancel();
    assertEquals(seen[1].auth, `Bearer ${user}`, "a caller's own token is kept");

    const preflight = await call("/rest/v1/t", { method: "OPTIONS" });
    assertEquals(preflight.status, 204);
    assertEquals(preflight.headers.get("access-control-allow-origin"), "*");
  } finally {
    await close();
  }
});

Deno.test("storage: key required except on signed and public object URLs", async () => {
  const { seen, call, close } = setup();
  try {
    assertEquals((await call("/storage/v1/bucket")).status, 401);
    assertEquals((await call("/storage/v1/object/sign/b/a.pdf?token=t")).status, 200);
    assertEquals((await call("/storage/v1/object/public/b/a.pdf")).status, 200);
    assertEquals((await call("/storage/v1/object/sign/b/a.pdf", { method: "POST" })).status, 401,
      "creating a signed URL is not an open route");
    assertEquals(seen.map((s) => s.url), ["/object/sign/b/a.pdf", "/object/public/b/a.pdf"]);
  } finally {
    await close();
  }
});

Deno.test("functions: verify_jwt honoured per function; the function sees its own path", async () => {
  const { seen, call, close } = setup();
  try {
    assertEquals((await call("/functions/v1/guarded", { method: "POST" })).status, 401);
    const forged = await signJwt({ role: "service_role" }, "f".repeat(40));
    assertEquals((await call("/functions/v1/guarded", { method: "POST", headers: { authorization: `Bearer ${forged}` } })).status, 401);
    assertEquals((await call("/functions/v1/guarded", { method: "OPTIONS" })).status, 200, "preflight reaches the function");
    assertEquals((await call("/functions/v1/guarded/x?y=1", { method: "POST", headers: { authorization: `Bearer ${keys.anonKey}` } })).status, 200);
    assertEquals((await call("/functions/v1/open", { method: "POST" })).status, 200);
    assertEquals((await call("/functions/v1/missing")).status, 404);
    assertEquals(seen.map((s) => `${s.where} ${s.url}`), [
      "fn:guarded http://gw/guarded",
      "fn:guarded http://gw/guarded/x?y=1",
      "fn:open http://gw/open",
    ]);
  } finally {
    await close();
  }
});
