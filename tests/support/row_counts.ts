// "Nothing was written": the row count and a content digest of every table a request could
// write, read before and after it. The security tests (security_jwt, security_cross_profile,
// bad_input_property) take a snapshot, send what must be refused, and compare.
//
// Which tables: every table in public (read from the catalog, so a table added later is
// covered without touching this file), and what the functions, Storage and pg_net write
// outside it: storage.objects and storage.buckets, net.http_request_queue and
// net._http_response (a request pg_net already sent moves from the queue to the responses),
// auth.users, private.admin_users and vault.secrets.
//
// The digest (md5 over the sorted md5 of every row's text) catches what a count cannot: an
// UPDATE (a claimed job, a counter moved, a status changed) and a DELETE paired with an
// INSERT. It is exact, so a snapshot only compares equal while nothing else writes: the
// tests that use it pause the cron dispatcher and let no job run in the background.

import { assertEquals } from "@std/assert";
import type postgres from "postgres";

/** Tables outside public that a function, Storage or pg_net could write. */
export const OTHER_WRITABLE_TABLES = [
  "storage.objects",
  "storage.buckets",
  "net.http_request_queue",
  "net._http_response",
  "auth.users",
  "private.admin_users",
  "vault.secrets",
] as const;

/** `schema.table` of every table the snapshot covers, in a stable order. */
export async function writableTables(sql: postgres.Sql): Promise<string[]> {
  const rows = await sql<{ name: string }[]>`
    select n.nspname || '.' || c.relname as name
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where c.relkind in ('r', 'p')
       and (n.nspname = 'public' or (n.nspname || '.' || c.relname) = any(${[
    ...OTHER_WRITABLE_TABLES,
  ]}))
     order by 1`;
  const names = rows.map((r) => r.name);
  const missing = OTHER_WRITABLE_TABLES.filter((t) => !names.includes(t));
  if (missing.length > 0) throw new Error(`row_counts: tables not found: ${missing.join(", ")}`);
  return names;
}

function quoted(name: string): string {
  const [schema, table] = name.split(".");
  return `"${schema.replaceAll('"', '""')}"."${table.replaceAll('"', '""')}"`;
}

/** Rows per table: `{ "public.job_queue": 3, ... }`. */
export async function rowCounts(sql: postgres.Sql): Promise<Record<string, number>> {
  const tables = await writableTables(sql);
  const query = tables
    .map((t) => `select '${t}'::text as name, count(*)::int as n from ${quoted(t)}`)
    .join(" union all ");
  const rows = await sql.unsafe<{ name: string; n: number }[]>(query);
  return Object.fromEntries(rows.map((r) => [r.name, r.n]));
}

/** Rows and content per table: `{ "public.job_queue": "3 rows, md5 1f2e…", ... }`. */
export async function writableState(sql: postgres.Sql): Promise<Record<string, string>> {
  const tables = await writableTables(sql);
  const query = tables
    .map((t) =>
      `select '${t}'::text as name, count(*)::int as n,
              pg_catalog.md5(coalesce(pg_catalog.string_agg(pg_catalog.md5(x::text), '' order by pg_catalog.md5(x::text)), '')) as digest
         from ${quoted(t)} x`
    )
    .join(" union all ");
  const rows = await sql.unsafe<{ name: string; n: number; digest: string }[]>(query);
  return Object.fromEntries(rows.map((r) => [r.name, `${r.n} rows, md5 ${r.digest}`]));
}

/** Fails naming every table whose rows or content changed since `before`. */
export async function assertNothingWritten(
  sql: postgres.Sql,
  before: Record<string, string>,
  what: string,
): Promise<void> {
  const after = await writableState(sql);
  const changed = Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
  assertEquals(
    changed.map((t) => `${t}: ${before[t] ?? "absent"} -> ${after[t] ?? "absent"}`),
    [],
    `${what}: something was written`,
  );
}
