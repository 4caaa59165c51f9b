// The API gateway, as Supabase's (Kong) routes one public port:
//   /rest/v1/*         -> PostgREST         (apikey required, as key-auth does)
//   /storage/v1/*      -> Storage stand-in  (apikey required, except signed and public URLs)
//   /functions/v1/<fn> -> Edge Runtime      (JWT verified when the function's verify_jwt is on)
//   /_stack/health     -> this stack's own health (local only)
//   /_stack/faults     -> fault injection rules (local only, service key; stack/faults.ts)

import { verifyJwt } from "./jwt.ts";
import type { FunctionSpec } from "./edge/registry.ts";
import { runtimeError } from "./edge/runtime.ts";
import { applyFault, type FaultRules } from "./faults.ts";

export interface GatewayDeps {
  postgrestUrl: string;
  jwtSecret: string;
  functions: Map<string, FunctionSpec>;
  invokeFunction: (spec: FunctionSpec, req: Request, url: string) => Promise<Response>;
  storage: (req: Request, path: string) => Promise<Response>;
  health: () => Record<string, unknown>;
  /** Fault injection (stack/faults.ts); absent, nothing is injected. */
  faults?: FaultRules;
  log?: (line: string) => void;
}

const CORS_HEADERS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS, HEAD",
  "access-control-allow-headers":
    "authorization, x-client-info, apikey, content-type, prefer, range, accept-profile, content-profile, x-upsert, cache-control",
  "access-control-expose-headers": "content-range, content-location, range",
};

function withCors(response: Response): Response {
  const headers = new Headers(response.headers);
  for (const [k, v] of Object.entries(CORS_HEADERS)) headers.set(k, v);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

function json(status: number, body: Record<string, unknown>): Response {
  return Response.json(body, { status });
}

/**
 * Kong's key-auth: a valid project key in `apikey` (header or query), which also becomes the
 * Authorization bearer when the caller sent none. Returns the request to forward, or a refusal.
 */
async function requireApiKey(req: Request, url: URL, secret: string): Promise<Request | Response> {
  const key = req.headers.get("apikey") ?? url.searchParams.get("apikey");
  if (!key) {
    return json(401, {
      message: "No API key found in request",
      hint: "No `apikey` request header or url param was found.",
    });
  }
  const verdict = await verifyJwt(key, secret);
  if (!verdict.ok) return json(401, { message: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key." });
  if (req.headers.has("authorization")) return req;
  const headers = new Headers(req.headers);
  headers.set("authorization", `Bearer ${key}`);
  return new Request(req, { headers });
}

async function proxy(req: Request, target: string): Promise<Response> {
  const headers = new Headers(req.headers);
  headers.delete("host");
  headers.delete("connection");
  const upstream = await fetch(target, {
    method: req.method,
    headers,
    body: req.body,
    redirect: "manual",
    // @ts-ignore: Deno needs duplex for a streamed request body
    duplex: "half",
  });
  // fetch has already decoded the body, so its encoding headers no longer describe it.
  const out = new Headers(upstream.headers);
  out.delete("content-encoding");
  out.delete("content-length");
  return new Response(upstream.body, { status: upstream.status, statusText: upstream.statusText, headers: out });
}

async function verifyCaller(req: Request, secret: string): Promise<Response | null> {
  const auth = req.headers.get("authorization");
  if (!auth) return runtimeError(401, "UNAUTHORIZED_NO_AUTH_HEADER", "Missing authorization header");
  const match = /^Bearer\s+(\S+)$/i.exec(auth);
  if (!match) return runtimeError(401, "UNAUTHORIZED_INVALID_JWT_FORMAT", "Invalid JWT");
  const verdict = await verifyJwt(match[1], secret);
  if (!verdict.ok) return runtimeError(401, "UNAUTHORIZED_INVALID_JWT", "Invalid JWT");
  return null;
}

/** GET lists the rules, POST adds one or an array, DELETE clears them; service key only. */
async function faultControl(req: Request, faults: FaultRules, secret: string): Promise<Response> {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  const verdict = match ? await verifyJwt(match[1], secret) : null;
  if (!verdict?.ok || verdict.claims.role !== "service_role") {
    return json(401, { message: "fault control needs the service key as the bearer token" });
  }
  if (req.method === "GET") return json(200, { rules: faults.list() });
  if (req.method === "DELETE") {
    faults.clear();
    return json(200, { rules: [] });
  }
  if (req.method === "POST") {
    let body: unknown;
    try {
      body = await req.json();
    } catch {
      return json(400, { message: "the body must be a JSON rule or an array of rules" });
    }
    try {
      return json(201, { rules: faults.add(body) });
    } catch (error) {
      return json(400, { message: `not a fault rule: ${(error as Error).message}` });
    }
  }
  return json(405, { message: "use GET, POST or DELETE" });
}

export function createGatewayHandler(deps: GatewayDeps) {
  const route = createRouter(deps);
  const log = deps.log ?? ((line: string) => console.log(line));
  return async (req: Request): Promise<Response> => {
    const path = new URL(req.url).pathname;
    if (path === "/_stack/health") return json(200, { ok: true, ...deps.health() });
    const faults = deps.faults;
    if (!faults) return route(req);
    if (path === "/_stack/faults") return faultControl(req, faults, deps.jwtSecret);
    const body = faults.needsBody(req.method, path) ? await req.clone().text() : null;
    const rule = faults.take(req.method, path, body);
    return rule ? applyFault(rule, req.signal, () => route(req), log) : route(req);
  };
}

function createRouter(deps: GatewayDeps) {
  return async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    const path = url.pathname;

    if (path.startsWith("/rest/v1/") || path === "/rest/v1") {
      if (req.method === "OPTIONS") return withCors(new Response(null, { status: 204 }));
      const forward = await requireApiKey(req, url, deps.jwtSecret);
      if (forward instanceof Response) return withCors(forward);
      const rest = path.slice("/rest/v1".length) || "/";
      return withCors(await proxy(forward, `${deps.postgrestUrl}${rest}${url.search}`));
    }

    if (path.startsWith("/storage/v1/")) {
      if (req.method === "OPTIONS") return withCors(new Response(null, { status: 204 }));
      const rest = path.slice("/storage/v1".length);
      // Signed and public object URLs are meant to be opened without any key.
      const open = /^\/object\/(sign|public)\//.test(rest) && (req.method === "GET" || req.method === "HEAD");
      let forward: Request | Response = req;
      if (!open) forward = await requireApiKey(req, url, deps.jwtSecret);
      if (forward instanceof Response) return withCors(forward);
      return withCors(await deps.storage(forward, rest));
    }

    const fn = /^\/functions\/v1\/([^/]+)(\/.*)?$/.exec(path);
    if (fn) {
      const spec = deps.functions.get(fn[1]);
      if (!spec) return runtimeError(404, "NOT_FOUND", `Requested function ${fn[1]} was not found`);
      // Browsers send CORS preflights without credentials; the function answers them.
      if (spec.verifyJwt && req.method !== "OPTIONS") {
        const refusal = await verifyCaller(req, deps.jwtSecret);
        if (refusal) return refusal;
      }
      const inner = `${url.origin}/${spec.name}${fn[2] ?? ""}${url.search}`;
      return deps.invokeFunction(spec, req, inner);
    }

    return json(404, { message: `no route for ${path}` });
  };
}
