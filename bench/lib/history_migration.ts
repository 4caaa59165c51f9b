// "Before and after" for the history benchmark. "Before" is the schema without what
// migration 20261122001000_queue_history adds: its indexes are dropped and the storage
// parameters it sets on job_queue are reset. "After" re-runs that (idempotent) migration
// file, so the definitions live in one place; the names are read from the file, never
// typed here.

import type postgres from "postgres";

export const HISTORY_MIGRATION = "20261122001000_queue_history";
const FILE = new URL(`../../supabase/migrations/${HISTORY_MIGRATION}.sql`, import.meta.url);

export interface MigrationAdds {
  indexes: string[];
  /** storage parameters set on public.job_queue */
  tableOptions: string[];
}

/** What the migration adds; null when the file does not exist. */
export async function migrationAdds(): Promise<MigrationAdds | null> {
  const text = await Deno.readTextFile(FILE).catch((e) => {
    if (e instanceof Deno.errors.NotFound) return null;
    throw e;
  });
  if (text === null) return null;
  const code = text.replace(/--[^\n]*/g, ""); // comments mention names too
  const indexes = [...code.matchAll(/create index if not exists\s+([a-z0-9_]+)/gi)].map((m) =>
    m[1]
  );
  const set = /alter table public\.job_queue set \(([^)]*)\)/i.exec(code)?.[1] ?? "";
  const tableOptions = [...set.matchAll(/([a-z_]+)\s*=/gi)].map((m) => m[1]);
  return { indexes, tableOptions };
}

/** Throws unless the database has every index (the instance predates the migration). */
export async function requireMigrated(sql: postgres.Sql, adds: MigrationAdds): Promise<void> {
  for (const name of adds.indexes) {
    const [row] = await sql<
      { ok: boolean }[]
    >`select to_regclass(${`public.${name}`}) is not null as ok`;
    if (!row.ok) {
      throw new Error(
        `index public.${name} (${HISTORY_MIGRATION}) is missing: reset and start the bench instance to apply it`,
      );
    }
  }
}

export async function undoMigration(sql: postgres.Sql, adds: MigrationAdds): Promise<void> {
  for (const name of adds.indexes) await sql.unsafe(`drop index if exists public.${name}`);
  if (adds.tableOptions.length) {
    await sql.unsafe(`alter table public.job_queue reset (${adds.tableOptions.join(", ")})`);
  }
}

/** Re-runs the migration file (it changes nothing when applied). */
export async function reapplyMigration(sql: postgres.Sql): Promise<void> {
  await sql.file(FILE.pathname);
}
