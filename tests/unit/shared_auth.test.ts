// functions/_shared/auth.ts: the service credential compare (correct for every pair, no
// early exit), bearer parsing, 401 (no usable token) versus 403 (a valid token of the wrong
// kind), and reading the claims of malformed tokens without throwing.

import { assertEquals } from "@std/assert";
import {
  callerFromVerifiedJwt,
  timingSafeEqual,
  timingSafeEqualBytes,
  validateServiceRoleAuth,
  validateUserAuth,
} from "../../functions/_shared/auth.ts";
import {
  hostileString,
  keys,
  random,
  tokenWithClaims,
  userToken,
} from "../support/function_requests.ts";

const USER = "2b5f8a64-7a0e-4b8e-9d1c-3f2a1b0c9d8e";

function withAuth(value: string | null): Request {
  return new Request("http://fn/x", {
    method: "POST",
    headers: value === null ? {} : { authorization: value },
  });
}

// base64url of a JSON (or any) text, as a JWT's middle part.
const part = (text: string) =>
  btoa(String.fromCharCode(...new TextEncoder().encode(text)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

Deno.test("timingSafeEqual: equal exactly when the strings are equal", () => {
  const cases: Array<[string, string, boolean]> = [
    ["", "", true],
    ["key", "key", true],
    ["key", "kez", false],
    ["key", "key ", false],
    ["key", "ke", false],
    ["", "k", false],
    ["é", "e\u0301", false],
    ["😀", "😀", true],
  ];
  for (const [a, b, expected] of cases) assertEquals(timingSafeEqual(a, b), expected, `${a}|${b}`);
  const next = random(7);
  for (let i = 0; i < 500; i++) {
    const a = hostileString(next, 4);
    const b = next() < 0.3 ? a : hostileString(next, 4);
    assertEquals(timingSafeEqual(a, b), a === b, JSON.stringify([a, b]));
  }
});

Deno.test("timingSafeEqualBytes: reads every byte of both inputs, wherever they differ", () => {
  // No early exit: count the index reads each comparison makes.
  const reads = (a: number[], b: number[]) => {
    let n = 0;
    const spy = (bytes: number[]) =>
      new Proxy(bytes, {
        get(target, key) {
          if (typeof key === "string" && /^\d+$/.test(key)) n++;
          return Reflect.get(target, key);
        },
      });
    const equal = timingSafeEqualBytes(spy(a), spy(b));
    return { equal, n };
  };
  const key = Array.from({ length: 64 }, (_, i) => i);
  const differsFirst = [99, ...key.slice(1)];
  const differsLast = [...key.slice(0, -1), 99];
  assertEquals(reads(key, key), { equal: true, n: 128 });
  assertEquals(reads(key, differsFirst), { equal: false, n: 128 });
  assertEquals(reads(key, differsLast), { equal: false, n: 128 });
  assertEquals(reads(key, key.slice(0, 10)), { equal: false, n: 128 });
});

Deno.test("validateServiceRoleAuth: 401 without a bearer token, 403 for any other token", () => {
  const key = keys.serviceRoleKey;
  assertEquals(validateServiceRoleAuth(withAuth(`Bearer ${key}`), key), { ok: true });
  assertEquals(validateServiceRoleAuth(withAuth(`bearer   ${key}`), key), { ok: true });
  for (
    const header of [null, "", "Bearer", "Bearer ", `Basic ${key}`, `Bearer ${key} extra`, key]
  ) {
    const verdict = validateServiceRoleAuth(withAuth(header), key);
    assertEquals(verdict.ok ? 0 : verdict.status, 401, JSON.stringify(header));
  }
  for (const token of [keys.anonKey, `${key}x`, key.slice(0, -1), "x"]) {
    const verdict = validateServiceRoleAuth(withAuth(`Bearer ${token}`), key);
    assertEquals(verdict.ok ? 0 : verdict.status, 403);
  }
  // An unset key never matches, not even an empty-looking token.
  const verdict = validateServiceRoleAuth(withAuth("Bearer x"), "");
  assertEquals(verdict.ok ? 0 : verdict.status, 403);
});

Deno.test("callerFromVerifiedJwt: the role and sub of real tokens", async () => {
  assertEquals(callerFromVerifiedJwt(withAuth(`Bearer ${await userToken(USER)}`)), {
    role: "authenticated",
    userId: USER,
  });
  assertEquals(callerFromVerifiedJwt(withAuth(`Bearer ${keys.anonKey}`)), {
    role: "anon",
    userId: null,
  });
  assertEquals(callerFromVerifiedJwt(withAuth(`Bearer ${keys.serviceRoleKey}`)), {
    role: "service_role",
    userId: null,
  });
});

Deno.test("callerFromVerifiedJwt: base64url and UTF-8 claims decode exactly", async () => {
  // "?>" and "~~~" encode to "_" and "-" in base64url; the email needs UTF-8.
  const token = await tokenWithClaims({
    role: "authenticated",
    sub: "a?>~~~",
    email: "zoë@例え.jp",
  });
  const payload = token.split(".")[1];
  assertEquals(/[-_]/.test(payload), true, "the test token exercises base64url characters");
  assertEquals(callerFromVerifiedJwt(withAuth(`Bearer ${token}`)), {
    role: "authenticated",
    userId: "a?>~~~",
  });
});

Deno.test("callerFromVerifiedJwt: null for anything that is not a three-part token with object claims", () => {
  const header = part('{"alg":"HS256"}');
  const malformed = [
    null,
    "Bearer abc",
    "Bearer a.b",
    `Bearer ${header}..sig`,
    `Bearer ${header}.${part('{"role":"anon"}')}.sig.extra`,
    `Bearer ${header}.!!!.sig`,
    `Bearer ${header}.${part("not json")}.sig`,
    `Bearer ${header}.${part("null")}.sig`,
    `Bearer ${header}.${part("[]")}.sig`,
    `Bearer ${header}.${part("42")}.sig`,
    `Bearer ${header}.${part('"authenticated"')}.sig`,
    `Bearer ${header}.${part('{"sub":"x"}')}.sig`,
    `Bearer ${header}.${part('{"role":7}')}.sig`,
    `Bearer ${header}.${part("\u0000\uffff")}.sig`,
  ];
  for (const value of malformed) {
    assertEquals(callerFromVerifiedJwt(withAuth(value)), null, String(value));
  }
  const next = random(11);
  for (let i = 0; i < 300; i++) {
    const junk = `Bearer ${hostileString(next).replace(/\s/g, "")}.${hostileString(next)}.x`;
    let caller: unknown = "threw";
    try {
      caller = callerFromVerifiedJwt(withAuth(junk.replace(/[^\x21-\x7e ]/g, "")));
    } catch {
      // fall through: asserted below
    }
    assertEquals(caller === "threw", false, junk);
  }
});

Deno.test("validateUserAuth: a signed-in user passes; other roles are 403; unreadable tokens 401", async () => {
  assertEquals(validateUserAuth(withAuth(`Bearer ${await userToken(USER)}`)), {
    ok: true,
    userId: USER,
  });
  assertEquals(validateUserAuth(withAuth(`Bearer ${await userToken(USER.toUpperCase())}`)), {
    ok: true,
    userId: USER,
  });
  const forbidden = [
    keys.anonKey,
    keys.serviceRoleKey,
    await tokenWithClaims({ role: "authenticated" }),
    await tokenWithClaims({ role: "authenticated", sub: "not-a-uuid" }),
    await tokenWithClaims({ role: "authenticated", sub: `${USER}' or 1=1` }),
    await tokenWithClaims({ role: "supabase_admin", sub: USER }),
  ];
  for (const token of forbidden) {
    const verdict = validateUserAuth(withAuth(`Bearer ${token}`));
    assertEquals(verdict.ok ? 0 : verdict.status, 403, token);
  }
  for (const header of [null, "Bearer", "Bearer not-a-jwt", `Basic ${keys.anonKey}`]) {
    const verdict = validateUserAuth(withAuth(header));
    assertEquals(verdict.ok ? 0 : verdict.status, 401, String(header));
  }
});
