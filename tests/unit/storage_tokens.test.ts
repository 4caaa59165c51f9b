// Who a Storage request runs as (its Bearer JWT), and the checks on signed-URL tokens.

import { assertEquals, assertRejects } from "@std/assert";
import { mintApiKeys, mintUserToken, signJwt } from "../../stack/jwt.ts";
import { StorageHttpError } from "../../stack/storage/errors.ts";
import { authenticate, signObjectUrl, verifyObjectUrl } from "../../stack/storage/tokens.ts";

const SECRET = "unit-test-secret-that-is-at-least-32-chars";
const NOW = 1_800_000_000;
const USER = "6f1c9a2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

async function refusal(
  promise: Promise<unknown>,
  statusCode: number,
  code: string,
  messagePart: string,
) {
  const error = await assertRejects(() => promise, StorageHttpError);
  assertEquals([error.statusCode, error.code], [statusCode, code]);
  if (!error.message.includes(messagePart)) {
    throw new Error(`expected "${messagePart}" in "${error.message}"`);
  }
}

Deno.test("a user's token runs as authenticated, owned by its sub", async () => {
  const token = await mintUserToken(SECRET, { id: USER }, { now: NOW });
  const caller = await authenticate(`Bearer ${token}`, SECRET, NOW);
  assertEquals([caller.role, caller.owner, caller.ownerId], ["authenticated", USER, USER]);
});

Deno.test("API keys run as anon / service_role with no owner", async () => {
  const keys = await mintApiKeys(SECRET, NOW);
  const anon = await authenticate(`Bearer ${keys.anonKey}`, SECRET, NOW);
  const service = await authenticate(`bearer ${keys.serviceRoleKey}`, SECRET, NOW);
  assertEquals([anon.role, anon.owner], ["anon", null]);
  assertEquals([service.role, service.owner], ["service_role", null]);
});

Deno.test("a sub that is not a UUID is kept as owner_id only", async () => {
  const token = await signJwt({ role: "authenticated", sub: "github|42", exp: NOW + 60 }, SECRET);
  const caller = await authenticate(`Bearer ${token}`, SECRET, NOW);
  assertEquals([caller.owner, caller.ownerId], [null, "github|42"]);
});

Deno.test("missing, forged, expired or role-less JWTs are refused as AccessDenied (403)", async () => {
  const good = await mintUserToken(SECRET, { id: USER }, { now: NOW });
  await refusal(authenticate(null, SECRET, NOW), 403, "AccessDenied", "jwt must be provided");
  await refusal(authenticate(good, SECRET, NOW), 403, "AccessDenied", "jwt must be provided"); // no "Bearer "
  await refusal(
    authenticate("Bearer not-a-jwt", SECRET, NOW),
    403,
    "AccessDenied",
    "jwt malformed",
  );
  await refusal(
    authenticate(
      `Bearer ${await mintUserToken("another-secret-another-secret-1234", { id: USER }, {
        now: NOW,
      })}`,
      SECRET,
      NOW,
    ),
    403,
    "AccessDenied",
    "invalid signature",
  );
  await refusal(
    authenticate(`Bearer ${good}`, SECRET, NOW + 3601),
    403,
    "AccessDenied",
    "jwt expired",
  );
  const signedUrlToken = await signObjectUrl(SECRET, "docs", "a.pdf", 60, NOW);
  await refusal(
    authenticate(`Bearer ${signedUrlToken}`, SECRET, NOW),
    403,
    "AccessDenied",
    "role null",
  );
  const admin = await signJwt({ role: "supabase_admin", exp: NOW + 60 }, SECRET);
  await refusal(
    authenticate(`Bearer ${admin}`, SECRET, NOW),
    403,
    "AccessDenied",
    '"supabase_admin" is not one of',
  );
});

Deno.test("a signed-URL token opens exactly its own object until it expires", async () => {
  const token = await signObjectUrl(SECRET, "docs", "uid/a.pdf", 60, NOW);
  await verifyObjectUrl(token, SECRET, "docs", "uid/a.pdf", NOW + 59);
  await refusal(
    verifyObjectUrl(token, SECRET, "docs", "uid/a.pdf", NOW + 60),
    400,
    "InvalidJWT",
    "expired",
  );
  await refusal(
    verifyObjectUrl(token, SECRET, "docs", "uid/b.pdf", NOW),
    400,
    "InvalidSignature",
    'signed for "docs/uid/a.pdf", not "docs/uid/b.pdf"',
  );
  await refusal(
    verifyObjectUrl(token, SECRET, "other", "uid/a.pdf", NOW),
    400,
    "InvalidSignature",
    "does not match",
  );
});

Deno.test("tampered, foreign, exp-less or missing signed-URL tokens are refused (400)", async () => {
  const token = await signObjectUrl(SECRET, "docs", "uid/a.pdf", 60, NOW);
  const [header, , signature] = token.split(".");
  const forgedPayload = btoa(JSON.stringify({ url: "docs/uid/b.pdf", exp: NOW + 60 })).replace(
    /=+$/,
    "",
  )
    .replaceAll("+", "-").replaceAll("/", "_");
  await refusal(
    verifyObjectUrl(`${header}.${forgedPayload}.${signature}`, SECRET, "docs", "uid/b.pdf", NOW),
    400,
    "InvalidJWT",
    "invalid signature",
  );
  const foreign = await signObjectUrl(
    "another-secret-another-secret-1234",
    "docs",
    "uid/a.pdf",
    60,
    NOW,
  );
  await refusal(
    verifyObjectUrl(foreign, SECRET, "docs", "uid/a.pdf", NOW),
    400,
    "InvalidJWT",
    "invalid signature",
  );
  const forever = await signJwt({ url: "docs/uid/a.pdf" }, SECRET);
  await refusal(
    verifyObjectUrl(forever, SECRET, "docs", "uid/a.pdf", NOW),
    400,
    "InvalidJWT",
    "no expiry",
  );
  const userToken = await mintUserToken(SECRET, { id: USER }, { now: NOW });
  await refusal(
    verifyObjectUrl(userToken, SECRET, "docs", "uid/a.pdf", NOW),
    400,
    "InvalidSignature",
    "signed for null",
  );
  await refusal(
    verifyObjectUrl(null, SECRET, "docs", "uid/a.pdf", NOW),
    400,
    "InvalidRequest",
    "Missing token",
  );
});
