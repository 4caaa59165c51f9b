// One pg_cron tick on demand: every active job's command, run as its owner would (the
// caller's connection is `postgres`, which owns them). Local pg_cron 1.4 ticks once a minute;
// hosted pg_cron can run schedules in seconds, which tests and the soak stand in for by
// calling this every few seconds.

import type postgres from "postgres";

export async function cronTick(sql: postgres.Sql): Promise<string[]> {
  const jobs = await sql<{ jobname: string; command: string }[]>`
    select jobname, command from cron.job where active order by jobid`;
  for (const job of jobs) await sql.unsafe(job.command);
  return jobs.map((j) => j.jobname);
}
