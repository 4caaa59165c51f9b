// Where a benchmark's numbers go: bench/results/<name>.json (everything: machine, versions,
// settings, each run) and bench/results/<name>.md (the table BENCHMARKS.md shows; refreshed
// there by `deno run -A bench/tables.ts`). A --quick run writes <name>.quick.* instead, so CI
// never overwrites the recorded results.

import type { Machine } from "./machine.ts";

export interface Table {
  columns: string[];
  rows: Array<Array<string | number>>;
}

export interface BenchResult {
  name: string;
  quick: boolean;
  machine: Machine;
  versions: Record<string, string>;
  settings: Record<string, unknown>;
  /** What the table shows, and each run's raw numbers. */
  data: unknown;
  table: Table;
  notes?: string[];
}

export const RESULTS_DIR = new URL("../results/", import.meta.url);

export function renderTable(table: Table): string {
  const cell = (v: string | number) => typeof v === "number" ? formatNumber(v) : v;
  const lines = [
    `| ${table.columns.join(" | ")} |`,
    `|${table.columns.map(() => "---").join("|")}|`,
    ...table.rows.map((row) => `| ${row.map(cell).join(" | ")} |`),
  ];
  return lines.join("\n");
}

function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return "–";
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
}

export function renderResult(result: BenchResult): string {
  const m = result.machine;
  const versions = Object.entries(result.versions).map(([k, v]) => `${k} ${v}`).join(", ");
  return [
    renderTable(result.table),
    "",
    `<sub>${m.date.slice(0, 10)}; ${m.cores} cores (${m.cpu_model}), ${m.memory_gib} GiB; ${m.os}; ` +
    `${versions}; settings ${JSON.stringify(result.settings)}</sub>`,
    ...(result.notes?.length ? ["", ...result.notes.map((n) => `- ${n}`)] : []),
  ].join("\n");
}

export async function writeResult(result: BenchResult): Promise<void> {
  await Deno.mkdir(RESULTS_DIR, { recursive: true });
  const base = `${result.name}${result.quick ? ".quick" : ""}`;
  await Deno.writeTextFile(new URL(`${base}.json`, RESULTS_DIR), JSON.stringify(result, null, 2) + "\n");
  await Deno.writeTextFile(new URL(`${base}.md`, RESULTS_DIR), renderResult(result) + "\n");
  console.log(`\n${renderTable(result.table)}\n\nwritten: bench/results/${base}.json, .md`);
}
