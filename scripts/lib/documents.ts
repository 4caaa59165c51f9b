// What an app does with this system, for the demo and the end-to-end tests: an account with a
// profile, a document uploaded to the profile's folder and handed to the intake function, and
// its processing status read back as the user.

import type postgres from "postgres";
import { createClient, type SupabaseClient } from "@supabase/supabase-js";
import { mintUserToken } from "../../stack/jwt.ts";

export const BUCKET = "medical-docs";

export interface Endpoints {
  url: string;
  anonKey: string;
  jwtSecret: string;
}

export interface Account {
  userId: string;
  email: string;
  token: string;
  profileId: string;
  client: SupabaseClient;
}

/** A signed-up user with a 'self' profile. Locally there is no GoTrue: the row is inserted. */
export async function createAccount(sql: postgres.Sql, endpoints: Endpoints, label: string): Promise<Account> {
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const [user] = await sql`insert into auth.users (email) values (${email}) returning id`;
  const [profile] = await sql`
    insert into public.user_profiles (account_owner_id, profile_type, display_name)
    values (${user.id}, 'self', ${label}) returning id`;
  const token = await mintUserToken(endpoints.jwtSecret, { id: user.id, email });
  const client = createClient(endpoints.url, endpoints.anonKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    global: { headers: { Authorization: `Bearer ${token}` } },
  });
  return { userId: user.id, email, token, profileId: profile.id, client };
}

export interface Document {
  name: string;
  bytes: Uint8Array;
  mimeType: string;
}

export interface Submission {
  status: number;
  body: {
    shell_file_id?: string;
    job_id?: string;
    status?: string;
    created?: boolean;
    error?: { code: string; message: string; field?: string };
  };
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Uploads into `<profile>/<name>` as the user, then asks the intake function to process it. */
export async function submitDocument(
  endpoints: Endpoints,
  account: Account,
  doc: Document,
  options: { idempotencyKey?: string; storagePath?: string } = {},
): Promise<Submission> {
  return await requestIntake(endpoints, account, await uploadDocument(account, doc, options));
}

/**
 * The first half of submitDocument: uploads into `<profile>/<name>` as the user and answers
 * the intake request body for it (a caller that times the intake alone sends it later).
 */
export async function uploadDocument(
  account: Account,
  doc: Document,
  options: { idempotencyKey?: string; storagePath?: string } = {},
): Promise<Record<string, unknown>> {
  const storagePath = options.storagePath ?? `${account.profileId}/${doc.name}`;
  // No upsert: users may add objects to their folders, not overwrite them.
  const upload = await account.client.storage.from(BUCKET).upload(storagePath, doc.bytes, {
    contentType: doc.mimeType,
  });
  if (upload.error) throw new Error(`upload of ${doc.name} failed: ${upload.error.message}`);
  return {
    profile_id: account.profileId,
    storage_path: storagePath,
    original_filename: doc.name,
    mime_type: doc.mimeType,
    idempotency_key: options.idempotencyKey ?? await sha256Hex(new TextEncoder().encode(storagePath)),
  };
}

/**
 * Removes accounts with everything they own: their uploads through Storage (the row and the
 * bytes; `service` is a service-role client), then the users, which cascades to profiles,
 * shell files, jobs, clinical rows and usage. audit_log is append-only: its rows stay, tied
 * to profiles that no longer exist.
 */
export async function removeAccounts(
  sql: postgres.Sql,
  service: SupabaseClient,
  accounts: readonly Pick<Account, "userId" | "profileId">[],
): Promise<void> {
  if (accounts.length === 0) return;
  const profiles = accounts.map((a) => a.profileId);
  const objects = await sql<{ name: string }[]>`
    select name from storage.objects
     where bucket_id = ${BUCKET} and split_part(name, '/', 1) = any(${profiles})`;
  if (objects.length > 0) {
    const { error } = await service.storage.from(BUCKET).remove(objects.map((o) => o.name));
    if (error) throw new Error(`removing the uploads failed: ${error.message}`);
  }
  await sql`delete from auth.users where id = any(${accounts.map((a) => a.userId)}::uuid[])`;
}

export async function requestIntake(
  endpoints: Endpoints,
  account: { token: string },
  body: Record<string, unknown>,
): Promise<Submission> {
  const res = await fetch(`${endpoints.url}/functions/v1/shell-file-processor-v3`, {
    method: "POST",
    headers: {
      Authorization: `Bearer ${account.token}`,
      apikey: endpoints.anonKey,
      "Content-Type": "application/json",
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

export interface ProcessingStatus {
  shell_file_id: string;
  status: string;
  page_count: number | null;
  text_done: number;
  pass1_done: number;
  pass2_done: number;
  narrative_done: boolean;
  error: { code: string; message: string } | null;
}

export async function processingStatus(account: Account, shellFileId: string): Promise<ProcessingStatus> {
  const { data, error } = await account.client.rpc("get_processing_status", { p_shell_file_id: shellFileId });
  if (error) throw new Error(`get_processing_status: ${error.message}`);
  return data as ProcessingStatus;
}

export const FINISHED = new Set(["completed", "failed", "cancelled"]);

/**
 * Starts workers now instead of at the next pg_cron tick (local pg_cron ticks once a minute);
 * the chain of invocations carries the work from there.
 */
export async function kickDispatcher(sql: postgres.Sql): Promise<number> {
  const [row] = await sql`select private.dispatch_workers() as n`;
  return row.n;
}

export async function invocationsSoFar(endpoints: Endpoints, fn: string): Promise<number> {
  const health = await (await fetch(`${endpoints.url}/_stack/health`)).json();
  return health.invocations?.[fn] ?? 0;
}
