// Refreshes BENCHMARKS.md from bench/results/: each block between
// <!-- bench:<name> --> and <!-- /bench:<name> --> becomes bench/results/<name>.md, so the
// tables there are always those of the recorded run.

const doc = new URL("../BENCHMARKS.md", import.meta.url);
const text = await Deno.readTextFile(doc);
const missing: string[] = [];
const updated = await replaceAsync(
  text,
  /<!-- bench:([a-z0-9_-]+) -->[\s\S]*?<!-- \/bench:\1 -->/g,
  async (_block, name) => {
    const table = await Deno.readTextFile(new URL(`results/${name}.md`, import.meta.url)).catch(() => null);
    if (table === null) {
      missing.push(name);
      return _block;
    }
    return `<!-- bench:${name} -->\n${table.trim()}\n<!-- /bench:${name} -->`;
  },
);
await Deno.writeTextFile(doc, updated);
console.log(missing.length ? `BENCHMARKS.md updated; no results yet for: ${missing.join(", ")}` : "BENCHMARKS.md updated");

async function replaceAsync(
  input: string,
  pattern: RegExp,
  fn: (match: string, name: string) => Promise<string>,
): Promise<string> {
  const parts: string[] = [];
  let last = 0;
  for (const m of input.matchAll(pattern)) {
    parts.push(input.slice(last, m.index), await fn(m[0], m[1]));
    last = m.index! + m[0].length;
  }
  return parts.join("") + input.slice(last);
}
