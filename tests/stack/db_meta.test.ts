// Project-wide rules about the database that no single pgTAP file can check, read from the
// migrated test database:
//   - every function in schemas public, private and ops (not one an extension owns) has a
//     pgTAP folder tests/db/<function_name>/ holding at least one .test.sql file;
//   - every table in public has its RLS test, tests/db/rls/<table>.test.sql;
//   - every view in ops has its test, tests/db/ops_views/<view>.test.sql.
// Overloads share their name's folder. A function created by anything other than the
// migrations (a test that forgot to drop its probe) fails here too, as it should.

import { assertEquals } from "@std/assert";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const opts = { sanitizeOps: false, sanitizeResources: false };
const testsDb = `${testStack().config.root}/tests/db`;

/** The .test.sql files directly in a folder; none when the folder does not exist. */
function sqlTests(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(".test.sql"))
      .map((e) => e.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

Deno.test("every function in public, private and ops has a pgTAP folder with a .test.sql file", opts, async () => {
  const sql = sqlAsPostgres();
  try {
    const functions = await sql<{ name: string; signature: string }[]>`
      select p.proname as name, p.oid::regprocedure::text as signature
        from pg_catalog.pg_proc p
       where p.pronamespace in (select n.oid from pg_catalog.pg_namespace n
                                 where n.nspname in ('public', 'private', 'ops'))
         and not exists (select 1 from pg_catalog.pg_depend d
                          where d.classid = 'pg_catalog.pg_proc'::regclass
                            and d.objid = p.oid
                            and d.deptype = 'e')
       order by 1, 2`;
    // The migrations define some; an empty list would mean this test looks in the wrong place.
    assertEquals(functions.some((f) => f.name === "has_profile_access"), true, "has_profile_access not found");

    const missing = functions
      .filter((f) => sqlTests(`${testsDb}/${f.name}`).length === 0)
      .map((f) => `${f.signature}: no .test.sql in tests/db/${f.name}/`);
    assertEquals(missing, [], `functions without pgTAP tests:\n  ${missing.join("\n  ")}`);
  } finally {
    await sql.end();
  }
});

Deno.test("every table in public has tests/db/rls/<table>.test.sql", opts, async () => {
  const sql = sqlAsPostgres();
  try {
    const tables = await sql<{ name: string }[]>`
      select c.relname as name
        from pg_catalog.pg_class c
       where c.relnamespace = 'public'::regnamespace
         and c.relkind in ('r', 'p')
         and not exists (select 1 from pg_catalog.pg_depend d
                          where d.classid = 'pg_catalog.pg_class'::regclass
                            and d.objid = c.oid
                            and d.deptype = 'e')
       order by 1`;
    assertEquals(tables.some((t) => t.name === "job_queue"), true, "job_queue not found");
    const missing = tables
      .filter((t) => !fileExists(`${testsDb}/rls/${t.name}.test.sql`))
      .map((t) => `public.${t.name}: no tests/db/rls/${t.name}.test.sql`);
    assertEquals(missing, [], `tables without an RLS test:\n  ${missing.join("\n  ")}`);
  } finally {
    await sql.end();
  }
});

Deno.test("every view in ops has tests/db/ops_views/<view>.test.sql", opts, async () => {
  const sql = sqlAsPostgres();
  try {
    const views = await sql<{ name: string }[]>`
      select c.relname as name from pg_catalog.pg_class c
       where c.relnamespace = (select oid from pg_catalog.pg_namespace where nspname = 'ops')
         and c.relkind in ('v', 'm')
       order by 1`;
    assertEquals(views.length > 0, true, "no view found in ops");
    const missing = views
      .filter((v) => !fileExists(`${testsDb}/ops_views/${v.name}.test.sql`))
      .map((v) => `ops.${v.name}: no tests/db/ops_views/${v.name}.test.sql`);
    assertEquals(missing, [], `operator views without a test:\n  ${missing.join("\n  ")}`);
  } finally {
    await sql.end();
  }
});
