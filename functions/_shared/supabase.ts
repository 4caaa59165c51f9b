// The service-role client every function uses for RPCs and Storage. Functions hold no user
// session: the caller's identity is passed to the RPCs explicitly (p_user_id, p_actor_id).

import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import type { PlatformEnv } from "./env.ts";

export function serviceClient(env: PlatformEnv, fetchImpl?: typeof fetch): SupabaseClient {
  return createClient(env.SUPABASE_URL, env.SUPABASE_SERVICE_ROLE_KEY, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    ...(fetchImpl ? { global: { fetch: fetchImpl } } : {}),
  });
}

/** A Postgres error as PostgREST reports it: `code` is the SQLSTATE (42501, 22023, ...). */
export interface DbError {
  code: string;
  message: string;
}

/** What an RPC dependency answers: supabase-js's `{ data, error }`, narrowed. */
export type DbResult<T> = { data: T; error: null } | { data: null; error: DbError };

/** Turns a supabase-js answer into a DbResult (a missing code becomes "unknown"). */
export function dbResult<T>(
  data: T | null,
  error: { code?: string; message: string } | null,
): DbResult<T> {
  if (error) {
    return { data: null, error: { code: error.code ?? "unknown", message: error.message } };
  }
  return { data: data as T, error: null };
}

/** An RPC answered with an error the caller cannot be blamed for: a 500 after logging. */
export class DbFailure extends Error {
  constructor(rpc: string, error: DbError) {
    super(`${rpc} failed: ${error.code} ${error.message}`);
    this.name = "DbFailure";
  }
}
