// Migrations go in the way they go into a hosted project: the Supabase CLI's
// `migration up`, pointed at the local database URL. No Docker is involved.

import type { StackConfig } from "./config.ts";

export async function applyMigrations(config: StackConfig, dbUrl: string): Promise<void> {
  const cli = `${config.root}/node_modules/.bin/supabase`;
  const out = await new Deno.Command(cli, {
    // --yes: the CLI asks before changing a remote database and cannot ask without a terminal.
    args: ["migration", "up", `--remote=${dbUrl}`, "--include-all", "--yes", "--workdir", config.root],
    cwd: config.root,
    env: { SUPABASE_TELEMETRY_DISABLED: "1", DO_NOT_TRACK: "1", SUPABASE_YES: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  await Deno.writeTextFile(`${config.logDir}/migrations.log`, text, { append: true });
  if (out.code !== 0) {
    throw new Error(`supabase migration up failed (exit ${out.code}):\n${text.trim()}`);
  }
}
