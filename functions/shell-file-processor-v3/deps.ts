// The intake's real dependencies: the service-role client for the RPCs and for Storage
// (the object's size comes from Storage's own record, never from the caller).

import type { SupabaseClient } from "@supabase/supabase-js";
import { platformEnv } from "../_shared/env.ts";
import { consoleFrameDeps } from "../_shared/handler.ts";
import { dbResult, serviceClient } from "../_shared/supabase.ts";
import type { IntakeDeps, ShellFileJob } from "./handler.ts";

export function createIntakeDeps(
  env: Record<string, string | undefined>,
  fetchImpl?: typeof fetch,
): IntakeDeps {
  const db = serviceClient(platformEnv(env), fetchImpl);
  return {
    ...consoleFrameDeps("shell-file-processor-v3"),
    async hasProfileAccess(userId, profileId) {
      const { data, error } = await db.rpc("has_profile_access", {
        p_user_id: userId,
        p_profile_id: profileId,
      });
      return dbResult(data === true, error);
    },
    objectSize: (bucket, path) => objectSize(db, bucket, path),
    async createShellFileJob(args) {
      const { data, error } = await db.rpc("create_shell_file_job", args);
      if (error) return dbResult<ShellFileJob>(null, error);
      const row = (data as ShellFileJob[] | null)?.[0];
      if (!row) throw new Error("create_shell_file_job returned no row");
      return dbResult(row, null);
    },
  };
}

/**
 * `GET /object/info/<bucket>/<path>` through storage-js's info(), which hosted Storage and the
 * local stand-in both serve. A missing object is reported as HTTP 400 with code NoSuchKey (or,
 * from older hosted versions, statusCode "404" and no code); a name Storage refuses as a key
 * cannot name a stored object either.
 */
export async function objectSize(
  db: SupabaseClient,
  bucket: string,
  path: string,
): Promise<number | null> {
  const { data, error } = await db.storage.from(bucket).info(path);
  if (error) {
    const e = error as { code?: string; statusCode?: string; status?: number };
    if (e.code === "NoSuchKey" || e.code === "InvalidKey") return null;
    if (e.code === undefined && (e.statusCode === "404" || e.status === 404)) return null;
    throw error;
  }
  if (typeof data?.size !== "number") throw new Error("Storage info answered without a size");
  return data.size;
}
