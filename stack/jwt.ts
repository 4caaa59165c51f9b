// HS256 JSON Web Tokens, as Supabase's legacy JWT secret signs them: the anon and
// service_role keys, and users' access tokens. WebCrypto only, no dependency.

export type JwtClaims = Record<string, unknown> & {
  role?: string;
  sub?: string;
  exp?: number;
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replaceAll("-", "+").replaceAll("_", "/") + "===".slice((text.length + 3) % 4);
  const binary = atob(padded);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function hmacKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const header = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64url(encoder.encode(JSON.stringify(claims)));
  const signingInput = `${header}.${payload}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(signingInput));
  return `${signingInput}.${base64url(new Uint8Array(signature))}`;
}

export type JwtVerdict =
  | { ok: true; claims: JwtClaims }
  | { ok: false; reason: "malformed" | "bad_algorithm" | "bad_signature" | "expired" };

/** Checks signature, algorithm and expiry. `now` is in seconds since the epoch. */
export async function verifyJwt(
  token: string,
  secret: string,
  now = Math.floor(Date.now() / 1000),
): Promise<JwtVerdict> {
  const parts = token.split(".");
  if (parts.length !== 3) return { ok: false, reason: "malformed" };
  let header: { alg?: unknown };
  let claims: JwtClaims;
  let signature: Uint8Array<ArrayBuffer>;
  try {
    header = JSON.parse(decoder.decode(fromBase64url(parts[0])));
    claims = JSON.parse(decoder.decode(fromBase64url(parts[1])));
    signature = fromBase64url(parts[2]);
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof claims !== "object" || claims === null || Array.isArray(claims)) {
    return { ok: false, reason: "malformed" };
  }
  if (header.alg !== "HS256") return { ok: false, reason: "bad_algorithm" };
  const valid = await crypto.subtle.verify(
    "HMAC",
    await hmacKey(secret),
    signature,
    encoder.encode(`${parts[0]}.${parts[1]}`),
  );
  if (!valid) return { ok: false, reason: "bad_signature" };
  if (typeof claims.exp === "number" && claims.exp <= now) return { ok: false, reason: "expired" };
  return { ok: true, claims };
}

const TEN_YEARS_S = 10 * 365 * 24 * 3600;

/** The project's API keys, as Supabase mints them from the JWT secret. */
export async function mintApiKeys(secret: string, now = Math.floor(Date.now() / 1000)) {
  const base = { iss: "supabase-local", iat: now, exp: now + TEN_YEARS_S };
  return {
    anonKey: await signJwt({ ...base, role: "anon" }, secret),
    serviceRoleKey: await signJwt({ ...base, role: "service_role" }, secret),
  };
}

/** A signed-in user's access token, as GoTrue would issue it. */
export function mintUserToken(
  secret: string,
  user: { id: string; email?: string },
  options: { expiresInSeconds?: number; now?: number } = {},
): Promise<string> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  return signJwt({
    iss: "supabase-local",
    aud: "authenticated",
    role: "authenticated",
    sub: user.id,
    email: user.email,
    iat: now,
    exp: now + (options.expiresInSeconds ?? 3600),
  }, secret);
}
