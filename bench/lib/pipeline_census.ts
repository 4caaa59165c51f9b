// Counting the worker's database round trips from outside: for one pass over the documents,
// PostgreSQL logs every statement with its duration (log_min_duration_statement = 0, no
// parameters: they hold keys and document text), and the log is read back as transactions
// (pipeline_logs.ts). One PostgREST request is one transaction, so transactions of
// `authenticator` (PostgREST) and `supabase_storage_admin` (Storage) are the worker's round
// trips. The settings need a superuser (the local stack's supabase_admin over its unix socket;
// `postgres` may not change them) and are put back afterwards. Timed runs never have statement
// logging on.

import { psql } from "../../stack/postgres.ts";
import type { StackConfig } from "../../stack/config.ts";
import { type StepKind, type Transaction } from "./pipeline_logs.ts";

/** The roles whose transactions are the worker's: PostgREST's and Storage's connections. */
export const WORKER_DB_USERS = ["authenticator", "supabase_storage_admin"] as const;

const SETTINGS: Record<string, string> = {
  log_min_duration_statement: "0",
  log_parameter_max_length: "0",
};

/** The statement logging turned on and not yet put back, for an interrupted run. */
let active: { restore: () => Promise<void> } | null = null;

export async function restoreStatementLogging(): Promise<void> {
  await active?.restore();
}

/**
 * Turns statement logging on and answers how to put it back: each setting returns to what
 * postgresql.auto.conf held before (or is reset when it held nothing).
 */
export async function statementLogging(
  config: StackConfig,
): Promise<{ restore: () => Promise<void> }> {
  const names = Object.keys(SETTINGS);
  const before = new Map<string, string>();
  const rows = await psql(
    config,
    `select name || '=' || setting from pg_file_settings
      where sourcefile like '%postgresql.auto.conf' and name in (${
      names.map((n) => `'${n}'`).join(", ")
    })`,
  );
  for (const row of rows.split("\n").filter(Boolean)) {
    const at = row.indexOf("=");
    before.set(row.slice(0, at), row.slice(at + 1));
  }
  await psql(
    config,
    names.map((n) => `alter system set ${n} = '${SETTINGS[n]}';`).join("\n") +
      "\nselect pg_reload_conf();",
  );
  // A backend applies a reload before its next command; give the signal a moment to land.
  await new Promise((r) => setTimeout(r, 200));
  let restored = false;
  return active = {
    async restore() {
      if (restored) return;
      restored = true;
      active = null;
      await psql(
        config,
        names.map((n) =>
          before.has(n)
            ? `alter system set ${n} = '${before.get(n)!.replaceAll("'", "''")}';`
            : `alter system reset ${n};`
        ).join("\n") + "\nselect pg_reload_conf();",
      );
    },
  };
}

/** The RPC that records each kind of step (its checkpoint): it ends the step's round trips. */
const RECORDED_BY: Record<string, StepKind> = {
  "rpc:record_document_inspection": "inspect",
  "rpc:record_page_text": "text",
  "rpc:record_page_entities": "pass1",
  "rpc:record_page_extractions": "pass2",
  "rpc:record_narrative": "narrative",
  "rpc:finish_shell_file_job": "finish",
};
/** Round trips an invocation makes around its steps: claims (the last finds nothing) and settling a job. */
const PER_INVOCATION = new Set([
  "rpc:claim_next_job_v3",
  "rpc:release_job",
  "rpc:reschedule_job",
  "rpc:fail_shell_file_job",
]);

export interface KindCensus {
  steps: number;
  /** Mean per step of that kind. */
  roundTrips: number;
  statements: number;
  dbMs: number;
  /** Round trips per step by what they touched, e.g. {"rpc:acquire_api_capacity": 1}. */
  byTarget: Record<string, number>;
}

/**
 * The worker's round trips among `transactions`: PostgREST's requests (each an explicit
 * transaction; a lone statement of `authenticator` is a new pool connection's setup, not a
 * request) and Storage's transactions and statements.
 */
export function workerRoundTrips(transactions: readonly Transaction[]): Transaction[] {
  return transactions.filter((tx) => tx.user !== "authenticator" || tx.explicit);
}

export interface Census {
  /** Round trips of all steps and of the invocations around them, per step. */
  perStep: { roundTrips: number; statements: number; dbMs: number };
  steps: number;
  /** Round trips outside any step (claims, settling). */
  perInvocation: Record<string, number>;
  /** Every round trip by target, in total. */
  byTarget: Record<string, number>;
  /**
   * Per kind of step; only when one job was processed at a time, so the round trips come in
   * the worker's own order and each step's end at its record_* RPC.
   */
  byKind: Partial<Record<StepKind, KindCensus>> | null;
}

function targetOf(tx: Transaction): string {
  return tx.user === "supabase_storage_admin" ? "storage" : tx.target;
}

/**
 * The round trips of the worker(s) between the dispatch and the end of the last invocation
 * (`all`: the transactions of WORKER_DB_USERS). `sequential`: one job at a time, so steps can
 * be told apart.
 */
export function census(all: readonly Transaction[], sequential: boolean): Census {
  const transactions = workerRoundTrips(all);
  const byTarget: Record<string, number> = {};
  const perInvocation: Record<string, number> = {};
  let steps = 0;
  const kinds: Partial<
    Record<
      StepKind,
      {
        steps: number;
        roundTrips: number;
        statements: number;
        dbMs: number;
        byTarget: Record<string, number>;
      }
    >
  > = {};
  let current: Transaction[] = [];
  for (const tx of transactions) {
    const target = targetOf(tx);
    byTarget[target] = (byTarget[target] ?? 0) + 1;
    if (PER_INVOCATION.has(target)) {
      perInvocation[target] = (perInvocation[target] ?? 0) + 1;
      continue;
    }
    current.push(tx);
    const kind = RECORDED_BY[target];
    if (!kind) continue;
    steps++;
    const k = kinds[kind] ??= { steps: 0, roundTrips: 0, statements: 0, dbMs: 0, byTarget: {} };
    k.steps++;
    for (const t of current) {
      k.roundTrips++;
      k.statements += t.statements;
      k.dbMs += t.dbMs;
      k.byTarget[targetOf(t)] = (k.byTarget[targetOf(t)] ?? 0) + 1;
    }
    current = [];
  }
  const roundTrips = transactions.length;
  const byKind: Census["byKind"] = {};
  for (
    const [kind, k] of Object.entries(kinds) as Array<
      [StepKind, NonNullable<typeof kinds[StepKind]>]
    >
  ) {
    byKind[kind] = {
      steps: k.steps,
      roundTrips: k.roundTrips / k.steps,
      statements: k.statements / k.steps,
      dbMs: k.dbMs / k.steps,
      byTarget: Object.fromEntries(Object.entries(k.byTarget).map(([t, n]) => [t, n / k.steps])),
    };
  }
  return {
    perStep: {
      roundTrips: steps ? roundTrips / steps : NaN,
      statements: steps ? transactions.reduce((s, t) => s + t.statements, 0) / steps : NaN,
      dbMs: steps ? transactions.reduce((s, t) => s + t.dbMs, 0) / steps : NaN,
    },
    steps,
    perInvocation,
    byTarget,
    byKind: sequential ? byKind : null,
  };
}
