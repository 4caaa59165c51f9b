// The exact version of an npm package as pinned in import_map.json ("npm:<name>@<version>"),
// so a result records the version that actually ran, not one typed by hand.

const IMPORT_MAP = new URL("../../import_map.json", import.meta.url);

export async function pinnedVersion(specifier: string): Promise<string> {
  const map = JSON.parse(await Deno.readTextFile(IMPORT_MAP)) as {
    imports: Record<string, string>;
  };
  const target = map.imports[specifier];
  const version = target ? /^npm:(?:@[^/]+\/)?[^@/]+@([^/]+)/.exec(target)?.[1] : undefined;
  if (!version) throw new Error(`import_map.json pins no npm version for "${specifier}"`);
  return version;
}
