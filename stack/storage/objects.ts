// Object operations. Each one runs its reads and writes on storage.objects as the caller (see
// db.ts), so a row RLS refuses is a refused request. Bytes are placed on disk inside the
// transaction, after the row is written and before commit, and put back if the commit fails.

import { createHash } from "node:crypto";
import type postgres from "postgres";
import {
  asCaller,
  findBucketAsOwner,
  findObject,
  OBJECT_COLUMNS,
  type ObjectRow,
  type Sql,
} from "./db.ts";
import type { DiskStore, Placement } from "./disk.ts";
import { errors, fromDatabaseError } from "./errors.ts";
import { readUpload } from "./body.ts";
import { checkUpload, GLOBAL_FILE_SIZE_LIMIT } from "./limits.ts";
import { listObjects, listOptions } from "./list.ts";
import { validateBucketId, validateObjectName } from "./paths.ts";
import { type Caller, signObjectUrl, verifyObjectUrl } from "./tokens.ts";

export interface ObjectContext {
  sql: Sql;
  store: DiskStore;
  jwtSecret: string;
  nowMs: () => number;
  nowSeconds: () => number;
}

type Json = Record<string, unknown>;

const label = (bucket: string, name: string) => `object "${bucket}/${name}"`;

/** The `metadata` column, in the shape hosted Storage stores (and clients read) it. */
export function objectMetadata(
  bytes: Uint8Array,
  contentType: string,
  cacheControl: string,
  now: Date,
): Json {
  return {
    eTag: `"${createHash("md5").update(bytes).digest("hex")}"`,
    size: bytes.length,
    mimetype: contentType,
    cacheControl,
    lastModified: now.toISOString(),
    contentLength: bytes.length,
    httpStatusCode: 200,
  };
}

export async function upload(
  ctx: ObjectContext,
  caller: Caller,
  req: Request,
  bucket: string,
  name: string,
  method: "POST" | "PUT",
): Promise<Response> {
  const key = `${bucket}/${name}`;
  const bucketRow = await findBucketAsOwner(ctx.sql, bucket);
  if (!bucketRow) throw errors.noSuchBucket(bucket);
  const body = await readUpload(
    req,
    Math.min(bucketRow.file_size_limit ?? GLOBAL_FILE_SIZE_LIMIT, GLOBAL_FILE_SIZE_LIMIT),
    key,
  );
  checkUpload(bucketRow, key, body.bytes.length, body.contentType);
  const upsert = method === "POST" && req.headers.get("x-upsert") === "true";
  const metadata = objectMetadata(
    body.bytes,
    body.contentType,
    body.cacheControl,
    new Date(ctx.nowMs()),
  );
  const staged = await ctx.store.stage(body.bytes);
  let placement: Placement | null = null;
  try {
    const id = await asCaller(ctx.sql, caller, async (tx) => {
      const values = {
        bucket_id: bucket,
        name,
        owner: caller.owner,
        owner_id: caller.ownerId,
        metadata: tx.json(metadata as postgres.JSONValue),
        user_metadata: body.userMetadata === null
          ? null
          : tx.json(body.userMetadata as postgres.JSONValue),
        version: crypto.randomUUID(),
      };
      let rows;
      if (method === "PUT") {
        const { bucket_id: _b, name: _n, ...changes } = values;
        rows = await tx`
          update storage.objects set ${tx(changes)}, updated_at = now(), last_accessed_at = now()
          where bucket_id = ${bucket} and name = ${name} returning id`;
        if (rows.length === 0) throw errors.noSuchKey(key);
      } else if (upsert) {
        rows = await tx`
          insert into storage.objects ${tx(values)}
          on conflict (bucket_id, name) do update set
            owner = excluded.owner, owner_id = excluded.owner_id, metadata = excluded.metadata,
            user_metadata = excluded.user_metadata, version = excluded.version,
            updated_at = now(), last_accessed_at = now()
          returning id`;
      } else {
        rows = await tx`insert into storage.objects ${tx(values)} returning id`;
      }
      placement = await ctx.store.place(staged, bucket, name);
      return rows[0].id as string;
    });
    await ctx.store.finish(placement!);
    return Response.json({ Id: id, Key: key });
  } catch (error) {
    if (placement) await ctx.store.undo(placement);
    await ctx.store.discard(staged);
    throw fromDatabaseError(error, label(bucket, name));
  }
}

/** The response for an object's bytes (or just its headers, for HEAD). */
async function serve(
  ctx: ObjectContext,
  row: ObjectRow,
  head: boolean,
  url: URL,
): Promise<Response> {
  const key = `${row.bucket_id}/${row.name}`;
  const opened = await ctx.store.open(row.bucket_id, row.name);
  if (!opened) throw errors.noSuchKey(`${key} (its bytes are missing on disk)`);
  const meta = row.metadata ?? {};
  const headers = new Headers({
    "content-type": String(meta.mimetype ?? "application/octet-stream"),
    "content-length": String(opened.size),
    "cache-control": String(meta.cacheControl ?? "no-cache"),
    "last-modified": new Date(String(meta.lastModified ?? row.updated_at)).toUTCString(),
    "accept-ranges": "none",
  });
  if (typeof meta.eTag === "string") headers.set("etag", meta.eTag);
  if (url.searchParams.has("download")) {
    const filename = url.searchParams.get("download") ||
      row.name.slice(row.name.lastIndexOf("/") + 1);
    const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
    headers.set(
      "content-disposition",
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`,
    );
  }
  if (head) {
    opened.file.close();
    return new Response(null, { headers });
  }
  return new Response(opened.file.readable, { headers });
}

/** GET/HEAD of an object the caller may SELECT; one they may not see is "not found", as hosted. */
export async function download(
  ctx: ObjectContext,
  caller: Caller,
  bucket: string,
  name: string,
  head: boolean,
  url: URL,
): Promise<Response> {
  const row = await asCaller(ctx.sql, caller, (tx) => findObject(tx, bucket, name))
    .catch((error) => {
      throw fromDatabaseError(error, label(bucket, name));
    });
  if (!row) throw errors.noSuchKey(`${bucket}/${name}`);
  return serve(ctx, row, head, url);
}

/** Objects of public buckets are served to anyone, as their owner reads them. */
export async function downloadPublic(
  ctx: ObjectContext,
  bucket: string,
  name: string,
  head: boolean,
  url: URL,
) {
  const bucketRow = await findBucketAsOwner(ctx.sql, bucket);
  if (!bucketRow || !bucketRow.public) throw errors.noSuchBucket(bucket);
  const row = await findObject(ctx.sql, bucket, name);
  if (!row) throw errors.noSuchKey(`${bucket}/${name}`);
  return serve(ctx, row, head, url);
}

/** A signed URL needs no Authorization: its token is the permission. */
export async function downloadSigned(ctx: ObjectContext, bucket: string, name: string, url: URL) {
  await verifyObjectUrl(
    url.searchParams.get("token"),
    ctx.jwtSecret,
    bucket,
    name,
    ctx.nowSeconds(),
  );
  const row = await findObject(ctx.sql, bucket, name);
  if (!row) throw errors.noSuchKey(`${bucket}/${name}`);
  return serve(ctx, row, false, url);
}

/** The object as `GET /object/info` answers (storage-js camel-cases it for info()). */
function infoOf(row: ObjectRow): Json {
  const meta = row.metadata ?? {};
  return {
    id: row.id,
    version: row.version,
    name: row.name,
    bucket_id: row.bucket_id,
    created_at: row.created_at,
    updated_at: row.updated_at,
    last_modified: meta.lastModified ?? row.updated_at,
    size: meta.size,
    cache_control: meta.cacheControl,
    content_type: meta.mimetype,
    content_encoding: null,
    etag: meta.eTag,
    metadata: row.user_metadata ?? {},
  };
}

export async function info(
  ctx: ObjectContext,
  caller: Caller | null,
  bucket: string,
  name: string,
) {
  let row: ObjectRow | null;
  if (caller) {
    row = await asCaller(ctx.sql, caller, (tx) => findObject(tx, bucket, name))
      .catch((error) => {
        throw fromDatabaseError(error, label(bucket, name));
      });
  } else {
    const bucketRow = await findBucketAsOwner(ctx.sql, bucket);
    if (!bucketRow || !bucketRow.public) throw errors.noSuchBucket(bucket);
    row = await findObject(ctx.sql, bucket, name);
  }
  if (!row) throw errors.noSuchKey(`${bucket}/${name}`);
  return Response.json(infoOf(row));
}

function expiresIn(body: Json): number {
  const value = body.expiresIn;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw errors.invalidRequest(
      `expiresIn must be a whole number of seconds, 1 or more; got ${
        JSON.stringify(value ?? null)
      }`,
    );
  }
  return value;
}

/** Signs a URL for an object the caller may SELECT. */
export async function sign(
  ctx: ObjectContext,
  caller: Caller,
  bucket: string,
  name: string,
  body: Json,
) {
  const seconds = expiresIn(body);
  const row = await asCaller(ctx.sql, caller, (tx) => findObject(tx, bucket, name))
    .catch((error) => {
      throw fromDatabaseError(error, label(bucket, name));
    });
  if (!row) throw errors.noSuchKey(`${bucket}/${name}`);
  const token = await signObjectUrl(ctx.jwtSecret, bucket, name, seconds, ctx.nowSeconds());
  return Response.json({ signedURL: `/object/sign/${bucket}/${name}?token=${token}` });
}

export async function signMany(ctx: ObjectContext, caller: Caller, bucket: string, body: Json) {
  const seconds = expiresIn(body);
  const paths = body.paths;
  if (!Array.isArray(paths) || paths.some((p) => typeof p !== "string")) {
    throw errors.invalidRequest("paths must be an array of object names");
  }
  const visible = await asCaller(ctx.sql, caller, (tx) =>
    tx`
    select name from storage.objects where bucket_id = ${bucket} and name = any(${paths as string[]})`)
    .catch((error) => {
      throw fromDatabaseError(error, `bucket "${bucket}"`);
    });
  const names = new Set(visible.map((r) => r.name as string));
  const now = ctx.nowSeconds();
  return Response.json(
    await Promise.all((paths as string[]).map(async (path) => {
      if (!names.has(path)) {
        return {
          error: "Either the object does not exist or you do not have access to it",
          path,
          signedURL: null,
        };
      }
      const token = await signObjectUrl(ctx.jwtSecret, bucket, path, seconds, now);
      return { error: null, path, signedURL: `/object/sign/${bucket}/${path}?token=${token}` };
    })),
  );
}

/** Deletes the rows the caller may DELETE, then their files; returns the deleted objects. */
async function removeNames(
  ctx: ObjectContext,
  caller: Caller,
  bucket: string,
  names: string[],
): Promise<Json[]> {
  const rows = await asCaller(ctx.sql, caller, (tx) =>
    tx`
    delete from storage.objects where bucket_id = ${bucket} and name = any(${names})
    returning ${tx(OBJECT_COLUMNS as unknown as string[])}`)
    .catch((error) => {
      throw fromDatabaseError(error, `bucket "${bucket}"`);
    });
  for (const row of rows) await removeFile(ctx, bucket, row.name);
  return rows as unknown as Json[];
}

/** Rows written by SQL may hold names that are not safe paths; those have no file to remove. */
async function removeFile(ctx: ObjectContext, bucket: string, name: string) {
  try {
    validateBucketId(bucket);
    validateObjectName(name);
  } catch {
    return;
  }
  await ctx.store.remove(bucket, name);
}

export async function removeMany(ctx: ObjectContext, caller: Caller, bucket: string, body: Json) {
  const prefixes = body.prefixes;
  if (!Array.isArray(prefixes) || prefixes.length === 0 || prefixes.length > 1000) {
    throw errors.invalidRequest("prefixes must be an array of 1 to 1000 object names");
  }
  const names = prefixes.map((entry) => {
    const name = typeof entry === "string" ? entry : (entry as { path?: unknown })?.path;
    if (typeof name !== "string") {
      throw errors.invalidRequest("each prefix must be an object name or { path }");
    }
    return name;
  });
  return Response.json(await removeNames(ctx, caller, bucket, names));
}

export async function removeOne(ctx: ObjectContext, caller: Caller, bucket: string, name: string) {
  const removed = await removeNames(ctx, caller, bucket, [name]);
  if (removed.length === 0) throw errors.noSuchKey(`${bucket}/${name}`);
  return Response.json({ message: "Successfully deleted" });
}

export async function list(ctx: ObjectContext, caller: Caller, bucket: string, body: Json) {
  const options = listOptions(body);
  const entries = await asCaller(ctx.sql, caller, (tx) => listObjects(tx, bucket, options))
    .catch((error) => {
      throw fromDatabaseError(error, `bucket "${bucket}"`);
    });
  return Response.json(entries);
}

interface Transfer {
  fromBucket: string;
  fromName: string;
  toBucket: string;
  toName: string;
}

function transferOf(body: Json): Transfer {
  const fromBucket = validateBucketId(body.bucketId);
  return {
    fromBucket,
    fromName: validateObjectName(body.sourceKey),
    toBucket: body.destinationBucket ? validateBucketId(body.destinationBucket) : fromBucket,
    toName: validateObjectName(body.destinationKey),
  };
}

/** Move = UPDATE of the row's bucket and name: RLS needs SELECT and UPDATE, as hosted. */
export async function move(ctx: ObjectContext, caller: Caller, body: Json) {
  const t = transferOf(body);
  if (t.toBucket !== t.fromBucket && !(await findBucketAsOwner(ctx.sql, t.toBucket))) {
    throw errors.noSuchBucket(t.toBucket);
  }
  let placement: Placement | null = null;
  try {
    await asCaller(ctx.sql, caller, async (tx) => {
      const rows = await tx`
        update storage.objects set bucket_id = ${t.toBucket}, name = ${t.toName}, updated_at = now()
        where bucket_id = ${t.fromBucket} and name = ${t.fromName} returning id`;
      if (rows.length === 0) throw errors.noSuchKey(`${t.fromBucket}/${t.fromName}`);
      placement = await ctx.store.place(
        ctx.store.objectPath(t.fromBucket, t.fromName),
        t.toBucket,
        t.toName,
      );
    });
  } catch (error) {
    if (placement) await ctx.store.undo(placement);
    throw fromDatabaseError(error, label(t.toBucket, t.toName));
  }
  await ctx.store.finish(placement!);
  await ctx.store.remove(t.fromBucket, t.fromName); // prunes folders the move left empty
  return Response.json({ message: "Successfully moved" });
}

/** Copy = INSERT ... SELECT: RLS needs SELECT on the source and INSERT on the copy. */
export async function copy(ctx: ObjectContext, caller: Caller, req: Request, body: Json) {
  const t = transferOf(body);
  if (t.toBucket !== t.fromBucket && !(await findBucketAsOwner(ctx.sql, t.toBucket))) {
    throw errors.noSuchBucket(t.toBucket);
  }
  const upsert = req.headers.get("x-upsert") === "true";
  const replaceMetadata = body.copyMetadata === false && body.metadata &&
    typeof body.metadata === "object";
  let staged: string | null = null;
  let placement: Placement | null = null;
  try {
    const id = await asCaller(ctx.sql, caller, async (tx) => {
      const userMetadata = replaceMetadata
        ? tx`${tx.json(body.metadata as postgres.JSONValue)}::jsonb`
        : tx`user_metadata`;
      const rows = await tx`
        insert into storage.objects (bucket_id, name, owner, owner_id, metadata, user_metadata, version)
        select ${t.toBucket}, ${t.toName}, ${caller.owner}::uuid, ${caller.ownerId}, metadata, ${userMetadata},
               ${crypto.randomUUID()}
        from storage.objects where bucket_id = ${t.fromBucket} and name = ${t.fromName}
        ${
        upsert
          ? tx`on conflict (bucket_id, name) do update set owner = excluded.owner, owner_id = excluded.owner_id,
               metadata = excluded.metadata, user_metadata = excluded.user_metadata,
               version = excluded.version, updated_at = now()`
          : tx``
      }
        returning id`;
      if (rows.length === 0) throw errors.noSuchKey(`${t.fromBucket}/${t.fromName}`);
      staged = await ctx.store.stageCopy(t.fromBucket, t.fromName);
      placement = await ctx.store.place(staged, t.toBucket, t.toName);
      return rows[0].id as string;
    });
    await ctx.store.finish(placement!);
    return Response.json({ Id: id, Key: `${t.toBucket}/${t.toName}` });
  } catch (error) {
    if (placement) await ctx.store.undo(placement);
    if (staged) await ctx.store.discard(staged);
    throw fromDatabaseError(error, label(t.toBucket, t.toName));
  }
}
