// Which Edge Functions exist and how each is served, read from Supabase's config.toml:
//
//   [functions.<name>]
//   verify_jwt = true                                  # default true, as hosted
//   entrypoint = "../functions/<name>/index.ts"       # relative to the config file's folder
//
// The same file drives `supabase functions deploy`, so local and hosted cannot disagree.

import { parse } from "smol-toml";

export interface FunctionSpec {
  name: string;
  /** file:// URL of the entrypoint module. */
  entrypoint: string;
  verifyJwt: boolean;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Parses one config.toml; `baseDir` is the folder paths in it are relative to. */
export function functionsFromToml(text: string, baseDir: string, source: string): FunctionSpec[] {
  const doc = parse(text) as { functions?: Record<string, Record<string, unknown>> };
  const specs: FunctionSpec[] = [];
  for (const [name, settings] of Object.entries(doc.functions ?? {})) {
    if (!NAME.test(name)) throw new Error(`${source}: function name "${name}" is not a valid URL segment`);
    if (settings.enabled === false) continue;
    const entry = settings.entrypoint ?? `./functions/${name}/index.ts`;
    if (typeof entry !== "string") throw new Error(`${source}: functions.${name}.entrypoint must be a string`);
    const verify = settings.verify_jwt ?? true;
    if (typeof verify !== "boolean") throw new Error(`${source}: functions.${name}.verify_jwt must be true or false`);
    const url = new URL(entry, `file://${baseDir.replace(/\/?$/, "/")}`);
    specs.push({ name, entrypoint: url.href, verifyJwt: verify });
  }
  return specs;
}

/** The project's functions (supabase/config.toml) plus any extra folders' config.toml. */
export function loadFunctions(root: string, extraDirs: string[]): Map<string, FunctionSpec> {
  const sources = [{ dir: `${root}/supabase`, file: `${root}/supabase/config.toml` }]
    .concat(extraDirs.map((dir) => ({ dir, file: `${dir}/config.toml` })));
  const out = new Map<string, FunctionSpec>();
  for (const { dir, file } of sources) {
    for (const spec of functionsFromToml(Deno.readTextFileSync(file), dir, file)) {
      if (out.has(spec.name)) throw new Error(`${file}: function "${spec.name}" is defined twice`);
      Deno.statSync(new URL(spec.entrypoint)); // fail at start-up, not at the first request
      out.set(spec.name, spec);
    }
  }
  return out;
}
