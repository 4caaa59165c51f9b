// PostgREST through the gateway, called the way an app calls it (supabase-js), and the
// Supabase default privileges the local bootstrap reproduces.

import { assert, assertEquals } from "@std/assert";
import { client, createUser, sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

/** Waits until PostgREST's schema cache has the function (it reloads on DDL). */
async function waitForRpc(name: string) {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const { error } = await client(stack.serviceRoleKey).rpc(name);
    if (!error || error.code !== "PGRST202") return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`PostgREST never saw ${name}`);
}

Deno.test("an RPC granted to service_role only: service key yes, anon and users no", opts, async () => {
  const sql = sqlAsPostgres();
  const name = `stack_probe_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  try {
    await sql.unsafe(`
      create function public.${name}() returns text
      language sql security definer set search_path = pg_catalog, pg_temp as $$ select 'pong'::text $$;
      revoke execute on function public.${name}() from public, anon, authenticated;
      grant execute on function public.${name}() to service_role;`);
    await waitForRpc(name);
    const user = await createUser(sql);

    const asService = await client(stack.serviceRoleKey).rpc(name);
    assertEquals(asService.error, null);
    assertEquals(asService.data, "pong");

    const asAnon = await client(stack.anonKey).rpc(name);
    assertEquals(asAnon.data, null);
    assertEquals(asAnon.error?.code, "42501");
    assert(asAnon.error?.message.includes(`permission denied for function ${name}`), asAnon.error?.message);

    const asUser = await client(stack.anonKey, user.token).rpc(name);
    assertEquals(asUser.data, null);
    assertEquals(asUser.error?.code, "42501");
  } finally {
    await sql.unsafe(`drop function if exists public.${name}()`);
    await sql.end();
  }
});

Deno.test("what a migration creates without grants is closed to anon and users, open to service_role", opts, async () => {
  const sql = sqlAsPostgres();
  const name = `stack_nogrants_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  try {
    await sql.unsafe(`
      create function public.${name}() returns text language sql as $$ select 'service only'::text $$;
      create table public.${name}_t (id int primary key, secret text);
      insert into public.${name}_t values (1, 'hidden');`);
    await waitForRpc(name);
    const user = await createUser(sql);

    for (const [who, c] of [["anon", client(stack.anonKey)], ["a user", client(stack.anonKey, user.token)]] as const) {
      const rpc = await c.rpc(name);
      assertEquals(rpc.error?.code, "42501", `${who} calling the function`);
      const table = await c.from(`${name}_t`).select("secret");
      assertEquals(table.error?.code, "42501", `${who} reading the table`);
    }

    const service = client(stack.serviceRoleKey);
    assertEquals((await service.rpc(name)).data, "service only");
    assertEquals((await service.from(`${name}_t`).select("secret")).data, [{ secret: "hidden" }]);
  } finally {
    await sql.unsafe(`drop function if exists public.${name}(); drop table if exists public.${name}_t;`);
    await sql.end();
  }
});

Deno.test("the gateway refuses REST calls without a valid API key", async () => {
  const missing = await fetch(`${stack.url}/rest/v1/`);
  assertEquals(missing.status, 401);
  assertEquals((await missing.json()).message, "No API key found in request");

  const bad = await fetch(`${stack.url}/rest/v1/`, { headers: { apikey: "nonsense" } });
  assertEquals(bad.status, 401);
  assertEquals((await bad.json()).message, "Invalid API key");

  const good = await fetch(`${stack.url}/rest/v1/`, { headers: { apikey: stack.anonKey } });
  assertEquals(good.status, 200);
  await good.body?.cancel();
});

Deno.test("auth.uid() and auth.role() see the caller's JWT through PostgREST", opts, async () => {
  const sql = sqlAsPostgres();
  const name = `stack_whoami_${crypto.randomUUID().replaceAll("-", "").slice(0, 8)}`;
  try {
    await sql.unsafe(`
      create function public.${name}() returns jsonb language sql stable
      as $$ select jsonb_build_object('uid', auth.uid(), 'role', auth.role(), 'db_role', current_user) $$;
      grant execute on function public.${name}() to anon, authenticated;`);
    await waitForRpc(name);
    const user = await createUser(sql);
    const asUser = await client(stack.anonKey, user.token).rpc(name);
    assertEquals(asUser.data, { uid: user.id, role: "authenticated", db_role: "authenticated" });
    const asAnon = await client(stack.anonKey).rpc(name);
    assertEquals(asAnon.data, { uid: null, role: "anon", db_role: "anon" });
  } finally {
    await sql.unsafe(`drop function if exists public.${name}()`);
    await sql.end();
  }
});
