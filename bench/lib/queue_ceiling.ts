// The ceiling for the queue-core benchmark: what this PostgreSQL does when a "job" is nothing
// but the two single-row UPDATE transactions a claim and a completion need, with no queue
// logic at all. pgbench runs one script per job (two UPDATEs, each its own transaction) on a
// table the bench creates, with -c K clients and -j min(K, 2) threads, in prepared mode (the
// cheapest round trip PostgreSQL offers; the drivers measured also use prepared statements).

import postgres from "postgres";
import { HarnessError } from "./queue_harness.ts";

const SCHEMA = "bench_queue_core";
const TABLE = `${SCHEMA}.ceiling`;

export const PGBENCH_SCRIPT = [
  // A random row per job: as many rows as jobs, so two clients rarely meet on one row,
  // like workers that each hold a different job.
  "\\set id random(1, :rows)",
  `update ${TABLE} set n = n + 1 where id = :id;`,
  `update ${TABLE} set n = n + 1 where id = :id;`,
  "",
].join("\n");

export interface CeilingRun {
  jobs_per_s: number;
  jobs: number;
}

export class Ceiling {
  #script: string | null = null;

  constructor(private admin: postgres.Sql, private dbUrl: string, private rows: number) {}

  async setup(): Promise<void> {
    await this.admin.unsafe(`drop schema if exists ${SCHEMA} cascade`);
    await this.admin.unsafe(`create schema ${SCHEMA}`);
    await this.admin.unsafe(
      `create table ${TABLE} (id integer primary key, n bigint not null default 0)`,
    );
    await this.admin.unsafe(
      `insert into ${TABLE} (id) select g from generate_series(1, ${this.rows}) g`,
    );
    this.#script = await Deno.makeTempFile({ prefix: "bench-queue-core-", suffix: ".pgbench" });
    await Deno.writeTextFile(this.#script, PGBENCH_SCRIPT);
  }

  /** `jobs` scripts in all, split evenly over K clients. */
  async run(k: number, jobs: number): Promise<CeilingRun> {
    await this.admin.unsafe(`update ${TABLE} set n = 0 where n <> 0`);
    await this.admin.unsafe(`vacuum analyze ${TABLE}`);
    const perClient = Math.ceil(jobs / k);
    const out = await new Deno.Command("pgbench", {
      args: [
        "-n",
        "-M",
        "prepared",
        "-c",
        String(k),
        "-j",
        String(Math.min(k, 2)),
        "-t",
        String(perClient),
        "-D",
        `rows=${this.rows}`,
        "-f",
        this.#script!,
        this.dbUrl,
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout);
    if (!out.success) {
      throw new HarnessError(`pgbench failed:\n${new TextDecoder().decode(out.stderr)}`);
    }
    const parsed = parsePgbench(text);
    // What pgbench says it did must be what the table shows: two increments per job.
    const [row] = await this.admin.unsafe(`select coalesce(sum(n), 0)::bigint as n from ${TABLE}`);
    if (Number(row.n) !== 2 * parsed.processed || parsed.failed !== 0) {
      throw new HarnessError(
        `pgbench K=${k}: ${parsed.processed} scripts, ${parsed.failed} failed, but ${row.n} row updates (expected ${
          2 * parsed.processed
        })`,
      );
    }
    return { jobs_per_s: parsed.tps, jobs: parsed.processed };
  }

  async teardown(): Promise<void> {
    if (this.#script) await Deno.remove(this.#script).catch(() => {});
    this.#script = null;
    await this.admin.unsafe(`drop schema if exists ${SCHEMA} cascade`);
  }
}

export interface PgbenchOutput {
  tps: number;
  processed: number;
  failed: number;
}

/** Reads pgbench 15's summary: "tps = … (without initial connection time)", processed, failed. */
export function parsePgbench(text: string): PgbenchOutput {
  const tps = /^tps = ([\d.]+) \(without initial connection time\)$/m.exec(text);
  const processed = /^number of transactions actually processed: (\d+)/m.exec(text);
  const failed = /^number of failed transactions: (\d+)/m.exec(text);
  if (!tps || !processed) throw new HarnessError(`pgbench output not understood:\n${text}`);
  return {
    tps: Number(tps[1]),
    processed: Number(processed[1]),
    failed: failed ? Number(failed[1]) : 0,
  };
}

export async function pgbenchVersion(): Promise<string> {
  const out = await new Deno.Command("pgbench", { args: ["--version"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim().replace(/^pgbench \(PostgreSQL\) /, "");
}
