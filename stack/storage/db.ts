// Running SQL as the caller: each request's statements run in a transaction that first takes
// the caller's role and JWT claims, exactly as PostgREST does, so the project's RLS policies on
// storage.objects and storage.buckets decide. Outside asCaller, the connection is
// supabase_storage_admin, the tables' owner, which RLS does not restrict.

import type postgres from "postgres";
import type { Caller } from "./tokens.ts";

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export async function asCaller<T>(
  sql: Sql,
  caller: Caller,
  work: (tx: Tx) => Promise<T>,
): Promise<T> {
  const result = await sql.begin(async (tx) => {
    await tx`
      select set_config('role', ${caller.role}, true),
             set_config('request.jwt.claims', ${JSON.stringify(caller.claims)}, true)`;
    return await work(tx);
  });
  return result as T;
}

export interface BucketRow {
  id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  public: boolean;
  file_size_limit: number | null;
  allowed_mime_types: string[] | null;
  created_at: Date;
  updated_at: Date;
}

export interface ObjectRow {
  id: string;
  bucket_id: string;
  name: string;
  owner: string | null;
  owner_id: string | null;
  metadata: Record<string, unknown> | null;
  user_metadata: Record<string, unknown> | null;
  version: string | null;
  created_at: Date;
  updated_at: Date;
  last_accessed_at: Date;
}

/** file_size_limit is a bigint, which postgres.js returns as a string. */
export function bucketFromRow(row: Record<string, unknown>): BucketRow {
  const limit = row.file_size_limit;
  return {
    ...row,
    file_size_limit: limit === null || limit === undefined ? null : Number(limit),
  } as BucketRow;
}

/** A bucket as its owner sees it, for limits and public reads; not an authorization check. */
export async function findBucketAsOwner(sql: Sql | Tx, id: string): Promise<BucketRow | null> {
  const rows = await sql`select * from storage.buckets where id = ${id}`;
  return rows.length ? bucketFromRow(rows[0]) : null;
}

export const OBJECT_COLUMNS = [
  "id",
  "bucket_id",
  "name",
  "owner",
  "owner_id",
  "metadata",
  "user_metadata",
  "version",
  "created_at",
  "updated_at",
  "last_accessed_at",
] as const;

export async function findObject(
  sql: Sql | Tx,
  bucket: string,
  name: string,
): Promise<ObjectRow | null> {
  const rows = await sql`
    select ${sql(OBJECT_COLUMNS as unknown as string[])} from storage.objects
    where bucket_id = ${bucket} and name = ${name}`;
  return rows.length ? (rows[0] as unknown as ObjectRow) : null;
}
