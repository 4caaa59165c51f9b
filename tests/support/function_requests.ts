// Requests for Edge Function handler tests: real tokens (signed as the gateway would accept
// them), JSON POSTs, the CORS check every answer must pass, and a seeded generator of hostile
// strings for property-style cases.

import { assertEquals } from "@std/assert";
import { mintApiKeys, mintUserToken, signJwt } from "../../stack/jwt.ts";
import { CORS_HEADERS } from "../../functions/_shared/http.ts";

const SECRET = "unit-test-secret-".padEnd(40, "x");
export const keys = await mintApiKeys(SECRET);
export const userToken = (id: string) => mintUserToken(SECRET, { id });
export const tokenWithClaims = (claims: Record<string, unknown>) => signJwt(claims, SECRET);

export function post(
  url: string,
  body: unknown,
  options: { token?: string; headers?: Record<string, string> } = {},
): Request {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    ...options.headers,
  };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  return new Request(url, {
    method: "POST",
    headers,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

export function assertCors(res: Response): void {
  for (const [name, value] of Object.entries(CORS_HEADERS)) {
    assertEquals(res.headers.get(name), value, `${name} on a ${res.status}`);
  }
}

/** A small deterministic PRNG (mulberry32), so a failing case can be replayed from its seed. */
export { seededRandom as random } from "../../scripts/lib/fault_plan.ts";

// SQL and path metacharacters, NUL and other controls, a lone surrogate, right-to-left
// override, combining marks, astral characters, JSON and HTML specials.
const PIECES = [
  "'",
  '"',
  ";",
  "--",
  "/*",
  "*/",
  "\\",
  "%",
  "_",
  "?",
  "#",
  "..",
  "/",
  "//",
  " ",
  "\t",
  "\u0000",
  "\u0007",
  "\u007f",
  "\ud800",
  "\udfff",
  "\u202e",
  "e\u0301",
  "😀",
  "𝔘",
  "ß",
  "İ",
  "日本",
  "<script>",
  "${x}",
  "' OR 1=1 --",
  "'); DROP TABLE shell_files; --",
  "\n",
  "\r\n",
  "null",
  "{}",
  "[]",
  "a",
  "Z",
  "0",
  "-",
];

/** A hostile string of 1..maxPieces pieces. */
export function hostileString(next: () => number, maxPieces = 12): string {
  const n = 1 + Math.floor(next() * maxPieces);
  let s = "";
  for (let i = 0; i < n; i++) s += PIECES[Math.floor(next() * PIECES.length)];
  return s;
}
