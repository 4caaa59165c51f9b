// Who is calling (the Bearer JWT, checked here and not trusted from the gateway), and the
// tokens of signed URLs: HS256 JWTs with `url: "<bucket>/<name>"` and `exp`, as hosted
// Storage signs them with the project's JWT secret.

import { type JwtClaims, type JwtVerdict, signJwt, verifyJwt } from "../jwt.ts";
import { errors } from "./errors.ts";

/** The database roles a Storage request may run as; the JWT's `role` claim picks one. */
export const API_ROLES = ["anon", "authenticated", "service_role"] as const;
export type ApiRole = (typeof API_ROLES)[number];

export interface Caller {
  role: ApiRole;
  claims: JwtClaims;
  /** `owner` column: the JWT's `sub` when it is a UUID (users), else null (API keys). */
  owner: string | null;
  /** `owner_id` column: the JWT's `sub` as given. */
  ownerId: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The words jsonwebtoken uses, which is what hosted Storage answers with. */
function jwtProblem(verdict: Extract<JwtVerdict, { ok: false }>): string {
  switch (verdict.reason) {
    case "malformed":
      return "jwt malformed";
    case "bad_algorithm":
      return "invalid algorithm";
    case "bad_signature":
      return "invalid signature";
    case "expired":
      return "jwt expired";
  }
}

export async function authenticate(
  authorization: string | null,
  secret: string,
  nowSeconds: number,
): Promise<Caller> {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  if (!match) throw errors.accessDenied("jwt must be provided: send Authorization: Bearer <JWT>");
  const verdict = await verifyJwt(match[1], secret, nowSeconds);
  if (!verdict.ok) throw errors.accessDenied(jwtProblem(verdict));
  const role = verdict.claims.role;
  if (!API_ROLES.includes(role as ApiRole)) {
    throw errors.accessDenied(
      `JWT role ${JSON.stringify(role ?? null)} is not one of ${API_ROLES.join(", ")}`,
    );
  }
  const sub = typeof verdict.claims.sub === "string" && verdict.claims.sub !== ""
    ? verdict.claims.sub
    : null;
  return {
    role: role as ApiRole,
    claims: verdict.claims,
    owner: sub !== null && UUID.test(sub) ? sub : null,
    ownerId: sub,
  };
}

export function signObjectUrl(
  secret: string,
  bucket: string,
  name: string,
  expiresInSeconds: number,
  nowSeconds: number,
): Promise<string> {
  return signJwt(
    { url: `${bucket}/${name}`, iat: nowSeconds, exp: nowSeconds + expiresInSeconds },
    secret,
  );
}

/** Accepts a signed-URL token only for exactly `<bucket>/<name>` and only before it expires. */
export async function verifyObjectUrl(
  token: string | null,
  secret: string,
  bucket: string,
  name: string,
  nowSeconds: number,
): Promise<void> {
  if (!token) {
    throw errors.invalidRequest("Missing token: a signed URL needs its ?token= parameter");
  }
  const verdict = await verifyJwt(token, secret, nowSeconds);
  if (!verdict.ok) {
    const problem = jwtProblem(verdict);
    throw errors.invalidJwt(
      verdict.reason === "expired"
        ? `${problem}: this signed URL has expired`
        : `${problem}: this signed URL's token is not valid`,
    );
  }
  if (typeof verdict.claims.exp !== "number") {
    throw errors.invalidJwt("the signed URL's token has no expiry (exp)");
  }
  const path = `${bucket}/${name}`;
  if (verdict.claims.url !== path) {
    throw errors.invalidSignature(
      `The url does not match the signature: the token was signed for ${
        JSON.stringify(verdict.claims.url ?? null)
      }, not ${JSON.stringify(path)}`,
    );
  }
}
