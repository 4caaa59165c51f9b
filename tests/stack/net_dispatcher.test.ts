// The pg_net stand-in end to end against a running stack: requests committed through
// net.http_* reach a real HTTP server on loopback, and their outcome lands in
// net._http_response, as with pg_net. The last test restarts the instance's PostgreSQL.

import { assert, assertEquals, assertMatch, assertStringIncludes } from "@std/assert";
import postgres from "postgres";
import { socketConnection } from "../../stack/instance.ts";
import { netSettings } from "../../stack/net/settings.ts";
import { startPostgres, stopPostgres, waitForPostgres } from "../../stack/postgres.ts";
import { httpOk, waitUntil } from "../../stack/processes.ts";
import { sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };

/**
 * The instance's config, for the tests that reach PostgreSQL by its socket or restart it.
 * Its ports come from this process's STACK_* variables, which must be those of `start`.
 */
function instanceConfig() {
  const dbPort = Number(new URL(stack.dbUrl).port);
  if (stack.config.ports.db !== dbPort) {
    throw new Error(
      `instance "${stack.config.instance}" runs PostgreSQL on port ${dbPort}, but this test's STACK_* ` +
        `variables give ${stack.config.ports.db}; export the STACK_PORT_BASE it was started with`,
    );
  }
  return stack.config;
}

interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/**
 * A loopback HTTP server on a free port that records what it receives. `hold(ms)` lets a
 * handler answer late; close() releases whatever is still held.
 */
function testServer(
  handler: (req: Request, hold: (ms: number) => Promise<void>) => Response | Promise<Response> =
    () => new Response("ok"),
) {
  const seen: Seen[] = [];
  const held = new Set<() => void>();
  const hold = (ms: number) =>
    new Promise<void>((resolve) => {
      const release = () => {
        clearTimeout(timer);
        held.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      held.add(release);
    });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = await req.text();
    seen.push({ method: req.method, url: new URL(req.url), headers: req.headers, body });
    return handler(req, hold);
  });
  return {
    seen,
    url: `http://127.0.0.1:${server.addr.port}`,
    close: async () => {
      for (const release of [...held]) release();
      await server.shutdown();
    },
  };
}

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Polls net._http_response for the request's row; fails after `ms`. */
async function responseFor(sql: postgres.Sql, id: string, ms: number): Promise<postgres.Row> {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await sql`
      select status_code, content_type, headers, content, timed_out, error_msg
      from net._http_response where id = ${id}`;
    if (row) return row;
    if (Date.now() > deadline) throw new Error(`no response for request ${id} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function until(what: string, condition: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test(
  "http_post reaches the server with its method, body and headers; the answer lands in net._http_response",
  opts,
  async () => {
    const server = testServer(() =>
      new Response('{"accepted":true}', {
        status: 201,
        headers: { "content-type": "application/json", "x-reply": "yes" },
      })
    );
    const sql = sqlAsPostgres();
    try {
      const [{ id }] = await sql`
      select net.http_post(
        ${server.url + "/hook"},
        '{"job": 42, "name": "é"}'::jsonb,
        headers := '{"Authorization": "Bearer secret-token", "X-Job": "42"}'::jsonb
      )::text as id`;
      const row = await responseFor(sql, id, 5000);

      assertEquals(server.seen.length, 1);
      const req = server.seen[0];
      assertEquals(req.method, "POST");
      assertEquals(req.url.pathname, "/hook");
      assertEquals(req.body, '{"job": 42, "name": "é"}');
      assertEquals(req.headers.get("authorization"), "Bearer secret-token");
      assertEquals(req.headers.get("x-job"), "42");
      assertEquals(req.headers.get("content-type"), "application/json");
      assertMatch(req.headers.get("user-agent") ?? "", /^pg_net\//);

      assertEquals(row.status_code, 201);
      assertEquals(row.content_type, "application/json");
      assertEquals(row.content, '{"accepted":true}');
      assertEquals(row.headers["x-reply"], "yes");
      assertEquals(row.timed_out, false);
      assertEquals(row.error_msg, null);
    } finally {
      await sql.end();
      await server.close();
    }
  },
);

Deno.test(
  "a server slower than timeout_milliseconds gives a timed-out row at the timeout, not when it answers",
  opts,
  async () => {
    const server = testServer(async (_req, hold) => {
      await hold(4000);
      return new Response("too late");
    });
    const sql = sqlAsPostgres();
    try {
      const committed = Date.now();
      const [{ id }] = await sql`select net.http_get(${
        server.url + "/slow"
      }, timeout_milliseconds := 400)::text as id`;
      const row = await responseFor(sql, id, 3000);
      const took = Date.now() - committed;

      assertEquals(row.timed_out, true);
      assertEquals(row.status_code, null);
      assertEquals(row.content, null);
      assertStringIncludes(row.error_msg, "Timeout of 400 ms reached");
      assert(took >= 400 && took < 2000, `the timeout row came ${took} ms after the commit`);
      assertEquals(server.seen.length, 1, "the request was sent before it timed out");
    } finally {
      await sql.end();
      await server.close();
    }
  },
);

Deno.test(
  "a refused connection gives a row with no status and an error message",
  opts,
  async () => {
    const sql = sqlAsPostgres();
    try {
      const [{ id }] =
        await sql`select net.http_get(${`http://127.0.0.1:${freePort()}/closed`})::text as id`;
      const row = await responseFor(sql, id, 5000);
      assertEquals(row.status_code, null);
      assertEquals(row.timed_out, false);
      assertEquals(row.error_msg, "Couldn't connect to server");
    } finally {
      await sql.end();
    }
  },
);

Deno.test("http_get's params reach the server url-encoded in the query", opts, async () => {
  const server = testServer(() =>
    new Response("found", { headers: { "content-type": "text/plain" } })
  );
  const sql = sqlAsPostgres();
  try {
    const [{ id }] = await sql`
      select net.http_get(${
      server.url + "/search"
    }, params := '{"q": "a b&c", "page": 2}'::jsonb)::text as id`;
    const row = await responseFor(sql, id, 5000);
    assertEquals(server.seen[0].method, "GET");
    assertEquals(server.seen[0].url.pathname, "/search");
    assertEquals(server.seen[0].url.search, "?q=a%20b%26c&page=2");
    assertEquals(server.seen[0].url.searchParams.get("q"), "a b&c");
    assertEquals(server.seen[0].body, "");
    assertEquals(row.status_code, 200);
    assertEquals(row.content, "found");
    assertStringIncludes(row.content_type, "text/plain");
  } finally {
    await sql.end();
    await server.close();
  }
});

Deno.test("http_delete sends a DELETE with its optional body", opts, async () => {
  const server = testServer(() => new Response(null, { status: 204 }));
  const sql = sqlAsPostgres();
  try {
    const [{ id }] = await sql`
      select net.http_delete(${
      server.url + "/items/7"
    }, body := '{"reason": "gone"}'::jsonb)::text as id`;
    const row = await responseFor(sql, id, 5000);
    assertEquals(server.seen[0].method, "DELETE");
    assertEquals(server.seen[0].body, '{"reason": "gone"}');
    assertEquals(row.status_code, 204);
    assertEquals(row.content, null, "an empty body is stored as null, as pg_net does");
  } finally {
    await sql.end();
    await server.close();
  }
});

Deno.test("a request enqueued in a transaction that rolls back is never sent", opts, async () => {
  const server = testServer();
  const sql = sqlAsPostgres();
  try {
    let rolledBackId = "";
    await sql.begin(async (tx) => {
      [{ id: rolledBackId }] = await tx`select net.http_post(${
        server.url + "/rolled-back"
      })::text as id`;
      throw new Error("roll back");
    }).catch((error) => assertEquals(error.message, "roll back"));
    assert(rolledBackId !== "");

    // A request committed after it has been answered, so the queue was processed past it.
    const [{ id }] = await sql`select net.http_post(${server.url + "/committed"})::text as id`;
    await responseFor(sql, id, 5000);

    assertEquals(server.seen.map((r) => r.url.pathname), ["/committed"]);
    const [{ count }] =
      await sql`select count(*)::int as count from net._http_response where id = ${rolledBackId}`;
    assertEquals(count, 0);
  } finally {
    await sql.end();
    await server.close();
  }
});

Deno.test("committing a request notifies the dispatcher's channel with its id", opts, async () => {
  const sql = sqlAsPostgres();
  const payloads: string[] = [];
  try {
    await sql.listen("net_http_request", (payload) => payloads.push(payload));
    await sql.begin(async (tx) => {
      await tx`select net.http_get(${`http://127.0.0.1:${freePort()}/rolled-back`})`;
      throw new Error("roll back");
    }).catch(() => {});
    const [{ id }] =
      await sql`select net.http_get(${`http://127.0.0.1:${freePort()}/notified`})::text as id`;
    await until("the notification", () => payloads.includes(id), 3000);
    assertEquals(payloads, [id], "exactly one notification, none for the rolled-back request");
  } finally {
    await sql.end();
  }
});

Deno.test("responses older than the TTL are deleted, younger ones kept", opts, async () => {
  const ttl = netSettings(Deno.env.toObject()).ttlSeconds;
  // The only role that may write responses is their owner.
  const admin = postgres({
    ...socketConnection(instanceConfig(), "supabase_admin"),
    max: 1,
    onnotice: () => {},
  });
  const oldId = -Math.floor(Math.random() * 1e12) - 1;
  const youngId = oldId - 1;
  try {
    await admin`
      insert into net._http_response (id, status_code, created) values
        (${oldId}, 200, now() - make_interval(secs => ${ttl + 3600})),
        (${youngId}, 200, now() - make_interval(secs => ${Math.max(1, ttl - 120)}))`;
    const deadline = Date.now() + 5000;
    let ids: string[] = [];
    do {
      await new Promise((r) => setTimeout(r, 100));
      ids =
        (await admin`select id::text from net._http_response where id in (${oldId}, ${youngId})`)
          .map((r) => r.id);
    } while (ids.includes(String(oldId)) && Date.now() < deadline);
    assertEquals(ids, [String(youngId)]);
  } finally {
    await admin`delete from net._http_response where id in (${oldId}, ${youngId})`;
    await admin.end();
  }
});

Deno.test(
  "the dispatcher survives PostgreSQL restarting: the answer to a request in flight is written after, and new requests flow",
  opts,
  async () => {
    const config = instanceConfig();
    const logFile = `${config.logDir}/net-dispatcher.log`;
    const logStart = (await Deno.readTextFile(logFile)).length;
    let answered = false;
    const server = testServer(async (req, hold) => {
      if (new URL(req.url).pathname === "/in-flight") {
        await hold(1500);
        answered = true;
        return new Response("answered during the outage");
      }
      return new Response("after the restart");
    });
    try {
      const before = sqlAsPostgres();
      const [{ id: inFlightId }] = await before`
      select net.http_get(${server.url + "/in-flight"}, timeout_milliseconds := 10000)::text as id`;
      await before.end();
      await until("the dispatcher to send the request", () => server.seen.length === 1, 5000);

      await stopPostgres(config);
      await until("the server to answer while PostgreSQL is down", () => answered, 5000);
      await new Promise((r) => setTimeout(r, 500)); // the dispatcher tries to write, and fails
      await startPostgres(config);
      await waitForPostgres(config);

      const after = sqlAsPostgres();
      try {
        const row = await responseFor(after, inFlightId, 10_000);
        assertEquals(row.status_code, 200);
        assertEquals(row.content, "answered during the outage");

        const [{ id }] = await after`select net.http_get(${server.url + "/after"})::text as id`;
        const next = await responseFor(after, id, 5000);
        assertEquals(next.content, "after the restart");
      } finally {
        await after.end();
      }

      const log = (await Deno.readTextFile(logFile)).slice(logStart);
      assertEquals(log.match(/database unavailable/g)?.length, 1, `one line per outage:\n${log}`);
      assertStringIncludes(log, "database reachable again");
    } finally {
      await server.close();
      // Later tests use PostgREST, which reconnects on its own schedule.
      await waitUntil(
        "PostgREST after the restart",
        () => httpOk(`http://127.0.0.1:${config.ports.postgrestAdmin}/ready`),
        30_000,
        `see ${config.logDir}/postgrest.log`,
      );
    }
  },
);
