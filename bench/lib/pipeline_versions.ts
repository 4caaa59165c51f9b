// The versions a pipeline result depends on: PostgreSQL, PostgREST (asked of the running
// server), Deno, and the pinned npm packages on the measured path.

import { pinnedVersion } from "./import_map_versions.ts";
import type { BenchStack } from "./stack.ts";

const PACKAGES = ["@supabase/supabase-js", "postgres", "unpdf", "zod"];

export async function pipelineVersions(stack: BenchStack): Promise<Record<string, string>> {
  const versions: Record<string, string> = {
    PostgreSQL: stack.postgresVersion,
    PostgREST: await postgrestVersion(stack),
    deno: Deno.version.deno,
  };
  for (const name of PACKAGES) versions[name] = await pinnedVersion(name);
  return versions;
}

/** PostgREST's OpenAPI root names its version (info.version). */
async function postgrestVersion(stack: BenchStack): Promise<string> {
  const res = await fetch(`${stack.url}/rest/v1/`, { headers: { apikey: stack.serviceRoleKey } });
  const body = await res.json().catch(() => null) as { info?: { version?: string } } | null;
  if (!body?.info?.version) throw new Error(`PostgREST did not name its version (${res.status})`);
  return body.info.version;
}
