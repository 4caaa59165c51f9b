// The Supabase Storage stand-in: serves the HTTP API that supabase-js's storage client calls,
// with bytes on local disk and every decision about who may do what left to PostgreSQL RLS on
// storage.objects and storage.buckets. The gateway routes /storage/v1/* here.

import type postgres from "postgres";
import * as buckets from "./buckets.ts";
import { DiskStore } from "./disk.ts";
import { errors, StorageHttpError } from "./errors.ts";
import * as objects from "./objects.ts";
import { matchRoute } from "./routes.ts";
import { authenticate, type Caller } from "./tokens.ts";

export interface StorageDeps {
  /** postgres.js, connected as supabase_storage_admin over the instance's unix socket. */
  sql: postgres.Sql;
  /** Bytes live under `${storageDir}/<bucket>/<object name>`. */
  storageDir: string;
  /** The HS256 secret that signs API keys, user tokens and signed URLs. */
  jwtSecret: string;
  /** ms since the epoch; tests move it to expire tokens. */
  now?: () => number;
}

type Json = Record<string, unknown>;

async function readJson(req: Request): Promise<Json> {
  const text = await req.text();
  if (text.trim() === "") return {};
  try {
    const value = JSON.parse(text);
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value;
  } catch { /* reported below */ }
  throw errors.invalidRequest("The request body must be a JSON object");
}

/** Unknown routes answer as hosted Storage's router does. */
function routeNotFound(method: string, path: string): Response {
  return Response.json(
    {
      statusCode: "404",
      error: "Not Found",
      message: `Route ${method}:${path} not found in the local Storage stand-in`,
    },
    { status: 404 },
  );
}

/** `path` is the request path after /storage/v1, e.g. `/object/docs/uid/a.pdf`. */
export function createStorageHandler(
  deps: StorageDeps,
): (req: Request, path: string) => Promise<Response> {
  const nowMs = deps.now ?? Date.now;
  const store = new DiskStore(deps.storageDir);
  const ctx: objects.ObjectContext = {
    sql: deps.sql,
    store,
    jwtSecret: deps.jwtSecret,
    nowMs,
    nowSeconds: () => Math.floor(nowMs() / 1000),
  };
  const caller = (req: Request): Promise<Caller> =>
    authenticate(req.headers.get("authorization"), deps.jwtSecret, ctx.nowSeconds());

  async function handle(req: Request, path: string): Promise<Response> {
    const route = matchRoute(req.method, path);
    if (!route) return routeNotFound(req.method, path);
    const url = new URL(req.url);
    switch (route.op) {
      // No Authorization: the bucket's public flag or the URL's token is the permission.
      case "getPublic":
        return objects.downloadPublic(ctx, route.bucket, route.name, route.head, url);
      case "infoPublic":
        return objects.info(ctx, null, route.bucket, route.name);
      case "getSigned":
        return objects.downloadSigned(ctx, route.bucket, route.name, url);

      case "createBucket":
        return buckets.createBucket(ctx, await caller(req), await readJson(req));
      case "listBuckets":
        return buckets.listBuckets(ctx, await caller(req), url);
      case "getBucket":
        return buckets.getBucket(ctx, await caller(req), route.bucket);
      case "updateBucket":
        return buckets.updateBucket(ctx, await caller(req), route.bucket, await readJson(req));
      case "deleteBucket":
        return buckets.deleteBucket(ctx, await caller(req), route.bucket);
      case "emptyBucket":
        return buckets.emptyBucket(ctx, await caller(req), route.bucket);

      case "upload":
        return objects.upload(ctx, await caller(req), req, route.bucket, route.name, route.method);
      case "download":
        return objects.download(ctx, await caller(req), route.bucket, route.name, route.head, url);
      case "info":
        return objects.info(ctx, await caller(req), route.bucket, route.name);
      case "sign":
        return objects.sign(ctx, await caller(req), route.bucket, route.name, await readJson(req));
      case "signMany":
        return objects.signMany(ctx, await caller(req), route.bucket, await readJson(req));
      case "list":
        return objects.list(ctx, await caller(req), route.bucket, await readJson(req));
      case "removeMany":
        return objects.removeMany(ctx, await caller(req), route.bucket, await readJson(req));
      case "remove":
        return objects.removeOne(ctx, await caller(req), route.bucket, route.name);
      case "move":
        return objects.move(ctx, await caller(req), await readJson(req));
      case "copy":
        return objects.copy(ctx, await caller(req), req, await readJson(req));
    }
  }

  return async (req, path) => {
    try {
      return await handle(req, path);
    } catch (error) {
      if (error instanceof StorageHttpError) {
        await req.body?.cancel().catch(() => {});
        return error.response();
      }
      console.error(`storage: ${req.method} ${path}:`, error);
      return errors.internal(
        `Internal error in the local Storage stand-in: ${(error as Error).message}`,
      ).response();
    }
  };
}
