// What autovacuum would do next to public.job_queue, done at once. Autovacuum analyzes a
// table when the rows changed since its last ANALYZE exceed
//   autovacuum_analyze_threshold + autovacuum_analyze_scale_factor * reltuples
// (the table's storage parameters, else the server's settings), at its next round (every
// autovacuum_naptime, 60 s). The benchmark measures a burst of new jobs as it stands after
// that round: analyzed if autovacuum would have analyzed it, on the old statistics if not.

import type postgres from "postgres";
import { flushStats } from "./history_fixture.ts";

export interface AnalyzeDecision {
  changed: number;
  threshold: number;
  analyzed: boolean;
}

/** `knownChanges`: rows the caller changed since the last ANALYZE (a floor, should the
 * statistics not have counted them all yet). */
export async function autovacuumAnalyze(
  sql: postgres.Sql,
  knownChanges: number,
): Promise<AnalyzeDecision> {
  await flushStats(sql);
  const [row] = await sql<{ changed: string; threshold: number }[]>`
    with opts as (
      select c.reltuples, o.option_name, o.option_value
        from pg_catalog.pg_class c
        left join lateral pg_catalog.pg_options_to_table(c.reloptions) o on true
       where c.oid = 'public.job_queue'::regclass
    )
    select (select s.n_mod_since_analyze from pg_catalog.pg_stat_user_tables s
             where s.relid = 'public.job_queue'::regclass) as changed,
           coalesce(max(option_value) filter (where option_name = 'autovacuum_analyze_threshold'),
                    current_setting('autovacuum_analyze_threshold'))::float8
           + coalesce(max(option_value) filter (where option_name = 'autovacuum_analyze_scale_factor'),
                      current_setting('autovacuum_analyze_scale_factor'))::float8 * greatest(max(reltuples), 0)
             as threshold
      from opts`;
  const changed = Math.max(Number(row.changed), knownChanges);
  const analyzed = changed > row.threshold;
  if (analyzed) await sql`analyze public.job_queue`;
  return { changed, threshold: Math.round(row.threshold), analyzed };
}
