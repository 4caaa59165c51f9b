// Who is calling. Small pure checks, so each handler states its rule in one line.

/** Constant-time string comparison (no early exit on the first differing byte). */
export function timingSafeEqual(a: string, b: string): boolean {
  return timingSafeEqualBytes(new TextEncoder().encode(a), new TextEncoder().encode(b));
}

/** Reads every byte of both inputs whatever they hold; only the lengths show in the time. */
export function timingSafeEqualBytes(x: ArrayLike<number>, y: ArrayLike<number>): boolean {
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

function bearer(req: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.get("authorization") ?? "");
  return match ? match[1] : null;
}

export type AuthVerdict = { ok: true } | { ok: false; status: 401 | 403; message: string };

/** Only the service credential itself: for functions that pg_net or other functions call. */
export function validateServiceRoleAuth(req: Request, serviceRoleKey: string): AuthVerdict {
  const token = bearer(req);
  if (!token) return { ok: false, status: 401, message: "missing bearer token" };
  if (!serviceRoleKey || !timingSafeEqual(token, serviceRoleKey)) {
    return { ok: false, status: 403, message: "this function accepts only the service credential" };
  }
  return { ok: true };
}

export interface Caller {
  role: string;
  /** The user's id (JWT `sub`) when role is `authenticated`. */
  userId: string | null;
}

/**
 * The caller of a function deployed with verify_jwt = true. The platform has already checked
 * the signature and expiry before the request reaches the function, so the claims are read,
 * not re-verified here.
 */
export function callerFromVerifiedJwt(req: Request): Caller | null {
  const parts = bearer(req)?.split(".") ?? [];
  if (parts.length !== 3 || !parts[1]) return null;
  const part = parts[1];
  try {
    const padded = part.replaceAll("-", "+").replaceAll("_", "/") +
      "===".slice((part.length + 3) % 4);
    const claims = JSON.parse(
      new TextDecoder().decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))),
    );
    if (typeof claims?.role !== "string") return null;
    return { role: claims.role, userId: typeof claims.sub === "string" ? claims.sub : null };
  } catch {
    return null;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type UserVerdict =
  | { ok: true; userId: string }
  | { ok: false; status: 401 | 403; message: string };

/**
 * Only a signed-in user (verify_jwt = true): 401 when there are no readable claims, 403 for
 * any other role (anon key, service credential), since those are valid but not a person.
 */
export function validateUserAuth(req: Request): UserVerdict {
  const caller = callerFromVerifiedJwt(req);
  if (!caller) return { ok: false, status: 401, message: "missing or unreadable bearer token" };
  if (caller.role !== "authenticated" || !caller.userId || !UUID.test(caller.userId)) {
    return { ok: false, status: 403, message: "this function is for signed-in users" };
  }
  return { ok: true, userId: caller.userId.toLowerCase() };
}
