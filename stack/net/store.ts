// The dispatcher's side of the net schema, over postgres.js as supabase_admin: take queued
// requests, write responses, expire old ones, and LISTEN for new requests.

import postgres from "postgres";
import type { QueueRow } from "./request.ts";
import type { ResponseRow } from "./response.ts";

/** Channel the queue's insert trigger notifies (sql/local/04_net.sql). */
export const CHANNEL = "net_http_request";

export interface NetStore {
  /** Deletes up to `limit` queued requests and returns them, oldest first. */
  take(limit: number): Promise<QueueRow[]>;
  write(rows: ResponseRow[]): Promise<void>;
  /** Deletes responses older than `ttlSeconds`; returns how many. */
  expire(ttlSeconds: number): Promise<number>;
  /** LISTENs on CHANNEL unless the listening session is still alive. */
  listen(): Promise<void>;
  close(): Promise<void>;
}

type Options = postgres.Options<Record<string, postgres.PostgresType>>;

export function postgresStore(
  connection: Options,
  onWake: () => void,
): NetStore {
  // Reconnect attempts are paced by the dispatcher's backoff; postgres.js's own grows to 20 s.
  const sql = postgres({ ...connection, max: 2, backoff: () => 0.1, onnotice: () => {} });
  let listening = false;
  // Its own session, kept open: LISTEN lasts as long as the session, and onclose tells us
  // when it is gone (postgres.js's sql.listen re-listens once and gives up silently).
  // onnotify is postgres.js's (its own sql.listen uses it) but missing from its types.
  const listenerOptions: Options & { onnotify: (channel: string) => void } = {
    ...connection,
    max: 1,
    backoff: () => 0.1,
    idle_timeout: 0,
    max_lifetime: 0,
    onnotice: () => {},
    onnotify: (channel) => {
      if (channel === CHANNEL) onWake();
    },
    onclose: () => {
      listening = false;
    },
  };
  const listener = postgres(listenerOptions);

  return {
    async take(limit) {
      // Rows leave the queue as they are taken, as in pg_net; skip locked lets two
      // dispatchers share a queue without sending a request twice.
      const rows = await sql<QueueRow[]>`
        delete from net.http_request_queue q
        where q.id in (
          select id from net.http_request_queue order by id limit ${limit} for update skip locked
        )
        returning
          q.id::text as id,
          q.method::text as method,
          q.url,
          -- Header values as text, as pg_net sends them. A non-object (which the functions
          -- refuse) must not make this statement, and so the whole queue, fail.
          (select coalesce(jsonb_object_agg(h.key, h.value), '{}'::jsonb)
           from jsonb_each_text(case jsonb_typeof(q.headers) when 'object' then q.headers end) as h
          ) as headers,
          q.body,
          q.timeout_milliseconds`;
      return [...rows].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
    },

    async write(rows) {
      if (rows.length === 0) return;
      await sql`
        insert into net._http_response (id, status_code, content_type, headers, content, timed_out, error_msg)
        select id, status_code, content_type, headers, content, timed_out, error_msg
        from jsonb_to_recordset(${sql.json(rows as unknown as postgres.JSONValue)}::jsonb) as r(
          id bigint, status_code int, content_type text, headers jsonb, content text,
          timed_out bool, error_msg text
        )`;
    },

    async expire(ttlSeconds) {
      const result = await sql`
        delete from net._http_response where created < now() - make_interval(secs => ${ttlSeconds})`;
      return result.count;
    },

    async listen() {
      if (listening) return;
      await listener`listen net_http_request`;
      listening = true;
    },

    async close() {
      await Promise.all([sql.end({ timeout: 1 }), listener.end({ timeout: 1 })]);
    },
  };
}
