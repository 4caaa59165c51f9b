// Bucket operations, run as the caller like everything else: storage.buckets has RLS and no
// policies, so in practice only service_role (bypassrls) manages buckets, as on hosted Supabase.

import { asCaller, bucketFromRow, type Sql } from "./db.ts";
import type { DiskStore } from "./disk.ts";
import { errors, fromDatabaseError } from "./errors.ts";
import { parseFileSizeLimit } from "./limits.ts";
import { validateBucketId, validateObjectName } from "./paths.ts";
import type { Caller } from "./tokens.ts";

export interface BucketContext {
  sql: Sql;
  store: DiskStore;
}

type Json = Record<string, unknown>;

const label = (id: string) => `bucket "${id}"`;

function publicBody(row: Record<string, unknown>): Json {
  return { ...bucketFromRow(row), type: "STANDARD" };
}

function mimeTypes(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || !v.includes("/"))) {
    throw errors.invalidRequest(
      `allowed_mime_types must be a list of types like "image/png" or "image/*"`,
    );
  }
  return value as string[];
}

/** The columns a create or update request sets; absent fields are left as they are. */
function settings(body: Json): Json {
  const out: Json = {};
  if ("public" in body && body.public !== undefined) {
    if (typeof body.public !== "boolean") {
      throw errors.invalidRequest("public must be true or false");
    }
    out.public = body.public;
  }
  if ("file_size_limit" in body && body.file_size_limit !== undefined) {
    out.file_size_limit = parseFileSizeLimit(body.file_size_limit);
  }
  if ("allowed_mime_types" in body && body.allowed_mime_types !== undefined) {
    out.allowed_mime_types = mimeTypes(body.allowed_mime_types);
  }
  return out;
}

export async function createBucket(ctx: BucketContext, caller: Caller, body: Json) {
  const name = validateBucketId(body.name ?? body.id);
  const id = validateBucketId(body.id ?? name);
  const values = {
    id,
    name,
    owner: caller.owner,
    owner_id: caller.ownerId,
    public: false,
    ...settings(body),
  };
  await asCaller(ctx.sql, caller, (tx) => tx`insert into storage.buckets ${tx(values)}`).catch(
    (error) => {
      if ((error as { code?: string }).code === "23505") throw errors.bucketExists(id);
      throw fromDatabaseError(error, label(id));
    },
  );
  return Response.json({ name });
}

export async function listBuckets(ctx: BucketContext, caller: Caller, url: URL) {
  const q = url.searchParams;
  const column = q.get("sortColumn") ?? "name";
  if (!["id", "name", "created_at", "updated_at"].includes(column)) {
    throw errors.invalidRequest("sortColumn must be one of id, name, created_at, updated_at");
  }
  const ascending = (q.get("sortOrder") ?? "asc").toLowerCase() !== "desc";
  const limit = q.has("limit") ? Number(q.get("limit")) : null;
  const offset = Number(q.get("offset") ?? 0);
  if (
    (limit !== null && !(Number.isInteger(limit) && limit >= 0)) ||
    !(Number.isInteger(offset) && offset >= 0)
  ) {
    throw errors.invalidRequest("limit and offset must be whole numbers of 0 or more");
  }
  const search = q.get("search") ?? "";
  const rows = await asCaller(ctx.sql, caller, (tx) =>
    tx`
    select * from storage.buckets
    where ${
      search ? tx`name ilike ${"%" + search.replace(/[\\%_]/g, (c) => `\\${c}`) + "%"}` : tx`true`
    }
    order by ${tx(column)} ${ascending ? tx`asc` : tx`desc`}
    ${limit !== null ? tx`limit ${limit}` : tx``} offset ${offset}`)
    .catch((error) => {
      throw fromDatabaseError(error, "buckets");
    });
  return Response.json(rows.map(publicBody));
}

export async function getBucket(ctx: BucketContext, caller: Caller, id: string) {
  const rows = await asCaller(
    ctx.sql,
    caller,
    (tx) => tx`select * from storage.buckets where id = ${id}`,
  )
    .catch((error) => {
      throw fromDatabaseError(error, label(id));
    });
  if (rows.length === 0) throw errors.noSuchBucket(id);
  return Response.json(publicBody(rows[0]));
}

export async function updateBucket(ctx: BucketContext, caller: Caller, id: string, body: Json) {
  const changes = { ...settings(body), updated_at: new Date() };
  const rows = await asCaller(ctx.sql, caller, (tx) =>
    tx`
    update storage.buckets set ${tx(changes)} where id = ${id} returning id`)
    .catch((error) => {
      throw fromDatabaseError(error, label(id));
    });
  if (rows.length === 0) throw errors.noSuchBucket(id);
  return Response.json({ message: "Successfully updated" });
}

export async function deleteBucket(ctx: BucketContext, caller: Caller, id: string) {
  const rows = await asCaller(
    ctx.sql,
    caller,
    (tx) => tx`delete from storage.buckets where id = ${id} returning id`,
  )
    .catch((error) => {
      if ((error as { code?: string }).code === "23503") throw errors.bucketNotEmpty(id);
      throw fromDatabaseError(error, label(id));
    });
  if (rows.length === 0) throw errors.noSuchBucket(id);
  await ctx.store.removeBucket(id);
  return Response.json({ message: "Successfully deleted" });
}

/** Deletes every object of the bucket that the caller may DELETE. */
export async function emptyBucket(ctx: BucketContext, caller: Caller, id: string) {
  const names = await asCaller(ctx.sql, caller, async (tx) => {
    const found = await tx`select 1 from storage.buckets where id = ${id}`;
    if (found.length === 0) throw errors.noSuchBucket(id);
    const rows = await tx`delete from storage.objects where bucket_id = ${id} returning name`;
    return rows.map((r) => r.name as string);
  }).catch((error) => {
    throw fromDatabaseError(error, label(id));
  });
  for (const name of names) {
    try {
      validateObjectName(name);
    } catch {
      continue; // a name written by SQL that is not a safe path has no file
    }
    await ctx.store.remove(id, name);
  }
  return Response.json({ message: "Successfully emptied" });
}
