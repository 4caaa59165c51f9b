// What integration tests need from a running local stack: its URLs and keys (from the
// instance's env file), a SQL connection, users and their tokens.
// The instance is STACK_INSTANCE (default "test"), started by the test command.

import postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { loadConfig, repoRoot, type StackConfig } from "../../stack/config.ts";
import { readEnvFile } from "../../stack/instance.ts";
import { mintUserToken } from "../../stack/jwt.ts";

export interface TestStack {
  config: StackConfig;
  url: string;
  anonKey: string;
  serviceRoleKey: string;
  dbUrl: string;
  jwtSecret: string;
}

let cached: TestStack | undefined;

export function testStack(): TestStack {
  if (cached) return cached;
  const config = loadConfig(repoRoot(), { STACK_INSTANCE: "test", ...Deno.env.toObject() });
  const env = readEnvFile(config);
  cached = {
    config,
    url: env.SUPABASE_URL,
    anonKey: env.SUPABASE_ANON_KEY,
    serviceRoleKey: env.SUPABASE_SERVICE_ROLE_KEY,
    dbUrl: env.SUPABASE_DB_URL,
    jwtSecret: env.SUPABASE_JWT_SECRET,
  };
  return cached;
}

/** A SQL connection as `postgres` (what migrations and the SQL editor use). Close it with `end()`. */
export function sqlAsPostgres() {
  return postgres(testStack().dbUrl, { max: 4, onnotice: () => {} });
}

/** A supabase-js client against the gateway, as an app would create it. */
export function client(key: string, accessToken?: string): SupabaseClient {
  const { url } = testStack();
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: accessToken ? { headers: { Authorization: `Bearer ${accessToken}` } } : undefined,
  });
}

export interface TestUser {
  id: string;
  email: string;
  token: string;
}

/** Inserts a user into auth.users and mints their access token. */
export async function createUser(sql: postgres.Sql, label = "user"): Promise<TestUser> {
  const email = `${label}-${crypto.randomUUID()}@example.test`;
  const [row] = await sql`insert into auth.users (email) values (${email}) returning id`;
  const id = row.id as string;
  return { id, email, token: await mintUserToken(testStack().jwtSecret, { id, email }) };
}
