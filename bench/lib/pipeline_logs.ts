// What the pipeline benchmark reads from the stack's logs, so it measures the worker from
// outside without touching production code:
//   gateway.log          the job-worker's own JSON lines: one per step, with its `ms`
//                        (functions/_shared/worker/run.ts), and one per invocation;
//   openai-standin.log   one line per provider request, with the stand-in's own handling time;
//   postgres.log         with statement logging on (pipeline_census.ts), one line per
//                        parse/bind/execute with its duration, grouped here into transactions:
//                        one per PostgREST request or Storage request.

/** Where a log file ends now; readSince(path, mark) answers what was appended after it. */
export async function logMark(path: string): Promise<number> {
  return (await Deno.stat(path)).size;
}

export async function readSince(path: string, mark: number): Promise<string> {
  const file = await Deno.open(path, { read: true });
  try {
    const size = (await file.stat()).size;
    if (size < mark) throw new Error(`${path} shrank while being read (rotated?)`);
    await file.seek(mark, Deno.SeekMode.Start);
    const bytes = new Uint8Array(size - mark);
    let read = 0;
    while (read < bytes.length) {
      const n = await file.read(bytes.subarray(read));
      if (n === null) break;
      read += n;
    }
    return new TextDecoder().decode(bytes.subarray(0, read));
  } finally {
    file.close();
  }
}

// --- gateway.log: the worker's lines ---------------------------------------------------------

export type StepKind = "inspect" | "text" | "pass1" | "pass2" | "narrative" | "finish";
export const STEP_KINDS: readonly StepKind[] = [
  "inspect",
  "text",
  "pass1",
  "pass2",
  "narrative",
  "finish",
];

export interface StepLine {
  worker_id: string;
  job_id: string;
  step: StepKind;
  page?: number;
  /** The step's wall time inside the worker: from before the step to after its record_* RPC. */
  ms: number;
  recorded: boolean;
}

export interface WorkerLog {
  steps: StepLine[];
  /** step_failed lines (a step that threw; the job was settled by reschedule or fail). */
  failures: Record<string, unknown>[];
  /** invocation lines: one per finished job-worker invocation. */
  invocations: Array<
    {
      worker_id: string;
      jobs: Array<{ job_id: string; steps: number; outcome: string }>;
      outcome: string;
    }
  >;
}

/** The worker's JSON lines; every other line (the runtime's, other functions') is skipped. */
export function parseWorkerLog(text: string): WorkerLog {
  const out: WorkerLog = { steps: [], failures: [], invocations: [] };
  for (const line of text.split("\n")) {
    if (!line.startsWith('{"event":')) continue;
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut by a concurrent write; the checks on counts notice if it mattered
    }
    if (entry.event === "step") out.steps.push(entry as unknown as StepLine);
    else if (entry.event === "step_failed") out.failures.push(entry);
    else if (entry.event === "invocation") {
      out.invocations.push(entry as unknown as WorkerLog["invocations"][number]);
    }
  }
  return out;
}

// --- openai-standin.log: the provider requests -----------------------------------------------

export interface ProviderCall {
  status: number;
  /** The stand-in's own time for the request, rounded to the millisecond. */
  ms: number;
  /** The pass: entities (pass 1), clinical (pass 2), narrative (pass 3). */
  note: string;
}

const STANDIN_LINE = /^\S+ \S+ (?:GET|POST) \S+ -> (\d{3}) (\d+) ms(?: \(([^)]*)\))?$/;

export function parseStandInLog(text: string): ProviderCall[] {
  const calls: ProviderCall[] = [];
  for (const line of text.split("\n")) {
    const m = STANDIN_LINE.exec(line.trim());
    if (m) calls.push({ status: Number(m[1]), ms: Number(m[2]), note: m[3] ?? "" });
  }
  return calls;
}

/** Which stand-in request a step makes (text-layer pages, inspect and finish make none). */
export const PROVIDER_NOTE: Partial<Record<StepKind, string>> = {
  pass1: "entities",
  pass2: "clinical",
  narrative: "narrative",
};

// --- postgres.log: statements grouped into transactions --------------------------------------

/** One database transaction: a PostgREST request (BEGIN, set_config, the query, COMMIT) or a Storage request. */
export interface Transaction {
  user: string;
  pid: number;
  /** Began with BEGIN (a PostgREST request always does; a lone statement is, e.g., a new connection's setup). */
  explicit: boolean;
  /** Executed statements (a parse or bind is part of the statement it prepares). */
  statements: number;
  /** Server time of its statements: parse + bind + execute durations. */
  dbMs: number;
  /**
   * What it touched: "rpc:<function>" or "table:<name>" for the first public.<name> in its
   * query (PostgREST's shape), else "other".
   */
  target: string;
}

// '%m [%p] %q%u@%d ' (stack/postgres.ts): "2026-11-22 08:54:43.367 UTC [3150] authenticator@postgres LOG:  ..."
const ENTRY =
  /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \S+ \[(\d+)\] (?:(\S+)@\S+ )?([A-Z]+): {2}(.*)$/;
const DURATION = /^duration: ([\d.]+) ms {2}(parse|bind|execute|statement)(?: [^:]*)?: ([\s\S]*)$/;
const BEGIN = /^\s*(begin|start transaction)\b/i;
const END = /^\s*(commit|rollback|end)\b/i;
const TARGET = /"public"\."(\w+)"(\()?/;

interface Entry {
  pid: number;
  user: string;
  level: string;
  message: string;
}

function entries(text: string): Entry[] {
  const out: Entry[] = [];
  for (const line of text.split("\n")) {
    const m = ENTRY.exec(line);
    if (m) out.push({ pid: Number(m[1]), user: m[2] ?? "", level: m[3], message: m[4] });
    else if (out.length > 0 && line.startsWith("\t")) {
      out[out.length - 1].message += "\n" + line.slice(1);
    }
  }
  return out;
}

function targetOf(sqlText: string): string | null {
  if (BEGIN.test(sqlText) || END.test(sqlText) || /^\s*select set_config\(/i.test(sqlText)) {
    return null;
  }
  const m = TARGET.exec(sqlText);
  return m ? `${m[2] ? "rpc" : "table"}:${m[1]}` : null;
}

/**
 * The transactions of `users` in log order (the order their first statement finished). A
 * statement outside BEGIN ... COMMIT is a transaction of its own.
 */
export function parseStatementLog(text: string, users: readonly string[]): Transaction[] {
  const done: Transaction[] = [];
  const open = new Map<number, Transaction>();
  /** parse/bind durations waiting for the execute they prepare, per backend. */
  const pending = new Map<number, number>();
  for (const entry of entries(text)) {
    if (entry.level !== "LOG" || !users.includes(entry.user)) continue;
    const m = DURATION.exec(entry.message);
    if (!m) continue;
    const ms = Number(m[1]);
    if (m[2] === "parse" || m[2] === "bind") {
      pending.set(entry.pid, (pending.get(entry.pid) ?? 0) + ms);
      continue;
    }
    const sqlText = m[3];
    const spent = ms + (pending.get(entry.pid) ?? 0);
    pending.delete(entry.pid);
    let tx = open.get(entry.pid);
    if (BEGIN.test(sqlText) || !tx) {
      tx = {
        user: entry.user,
        pid: entry.pid,
        explicit: BEGIN.test(sqlText),
        statements: 0,
        dbMs: 0,
        target: "other",
      };
      done.push(tx);
      if (BEGIN.test(sqlText)) open.set(entry.pid, tx);
    }
    tx.statements++;
    tx.dbMs += spent;
    const target = targetOf(sqlText);
    if (target && tx.target === "other") tx.target = target;
    if (END.test(sqlText)) open.delete(entry.pid);
  }
  return done;
}
