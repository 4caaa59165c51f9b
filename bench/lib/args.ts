// The flags every benchmark takes: --quick (a small run, under a minute, that proves the
// harness works; CI runs it) and --runs N (repetitions whose median is reported; default 3).

export interface BenchArgs {
  quick: boolean;
  runs: number;
}

export function benchArgs(args: readonly string[] = Deno.args): BenchArgs {
  let quick = false;
  let runs: number | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--quick") quick = true;
    else if (arg === "--runs") runs = positive(args[++i], "--runs");
    else if (arg.startsWith("--runs=")) runs = positive(arg.slice("--runs=".length), "--runs");
    else throw new Error(`unknown argument "${arg}" (expected --quick, --runs N)`);
  }
  return { quick, runs: runs ?? (quick ? 1 : 3) };
}

function positive(raw: string | undefined, name: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} needs a positive whole number, got "${raw}"`);
  return n;
}
