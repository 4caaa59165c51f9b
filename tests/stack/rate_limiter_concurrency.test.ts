// The rate limiter under real concurrency, which pgTAP (one connection, one
// transaction) cannot show: 50 callers at once, each on its own connection or through
// PostgREST with the service key, never get more than a limit allows, and the counters
// equal what was granted.
//
// Each test makes its own api_rate_limits row and deletes it (its leases cascade). The
// row's window starts are set in the future: `acquire_api_capacity` rolls a window over
// only when it started before the current minute/hour, so the windows stay current for
// the whole test and a run that crosses a minute boundary cannot reset the counters.

import { assert, assertEquals } from "@std/assert";
import postgres from "postgres";
import { client, sqlAsPostgres, testStack } from "../support/stack.ts";

const stack = testStack();
const opts = { sanitizeOps: false, sanitizeResources: false };
const CALLERS = 50;

interface Limits {
  requests_per_minute?: number | null;
  requests_per_hour?: number | null;
  tokens_per_minute?: number | null;
  tokens_per_hour?: number | null;
  concurrent_requests?: number | null;
}

/** A dedicated rate limit row with the given limits; returns its provider/endpoint names. */
async function createLimitRow(sql: postgres.Sql, limits: Limits) {
  const provider = `conc_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;
  const endpoint = "ep";
  await sql`
    insert into public.api_rate_limits
      (provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute,
       tokens_per_hour, concurrent_requests, minute_window_start, hour_window_start)
    values (${provider}, ${endpoint}, ${limits.requests_per_minute ?? null},
            ${limits.requests_per_hour ?? null}, ${limits.tokens_per_minute ?? null},
            ${limits.tokens_per_hour ?? null}, ${limits.concurrent_requests ?? null},
            now() + interval '1 hour', now() + interval '1 day')`;
  return { provider, endpoint };
}

async function readRow(sql: postgres.Sql, provider: string) {
  const [row] = await sql`
    select r.current_requests_minute, r.current_requests_hour, r.current_tokens_minute,
           r.current_tokens_hour, r.active_requests, r.rate_limit_violations,
           (select count(*)::int from public.api_capacity_leases l where l.rate_limit_id = r.id) as leases
      from public.api_rate_limits r where r.provider_name = ${provider}`;
  return row;
}

/** `n` connections, each opened (one round trip) before the test fires. */
async function openConnections(n: number): Promise<postgres.Sql[]> {
  const conns = Array.from(
    { length: n },
    () =>
      postgres(stack.dbUrl, {
        max: 1,
        onnotice: () => {},
        connection: { application_name: "rate_limiter_concurrency" },
      }),
  );
  await Promise.all(conns.map((c) => c`select 1`));
  return conns;
}

/** One acquire as service_role on connection `c`; the lease id or null. */
async function acquireOn(c: postgres.Sql, provider: string, endpoint: string, tokens: number) {
  return await c.begin(async (tx) => {
    await tx`set local role service_role`;
    const [row] =
      await tx`select public.acquire_api_capacity(${provider}, ${endpoint}, ${tokens}) as lease_id`;
    return row.lease_id as string | null;
  });
}

// Nobody releases, so whichever limit is tightest decides exactly how many are granted.
const singleLimitCases: { name: string; limits: Limits; granted: number }[] = [
  {
    name: "concurrent_requests = 5",
    limits: { requests_per_minute: 20, concurrent_requests: 5 },
    granted: 5,
  },
  {
    name: "requests_per_minute = 20",
    limits: { requests_per_minute: 20, requests_per_hour: 1000 },
    granted: 20,
  },
  {
    name: "requests_per_hour = 15",
    limits: { requests_per_minute: 1000, requests_per_hour: 15 },
    granted: 15,
  },
  {
    name: "tokens_per_minute = 1000 (100 each)",
    limits: { tokens_per_minute: 1000, tokens_per_hour: 5000 },
    granted: 10,
  },
  {
    name: "tokens_per_hour = 700 (100 each)",
    limits: { tokens_per_minute: 5000, tokens_per_hour: 700 },
    granted: 7,
  },
];

for (const { name, limits, granted: expected } of singleLimitCases) {
  Deno.test(
    `50 acquirers on 50 connections at once: ${name} grants exactly ${expected}`,
    opts,
    async () => {
      const sql = sqlAsPostgres();
      const { provider, endpoint } = await createLimitRow(sql, limits);
      const conns = await openConnections(CALLERS);
      try {
        const results = await Promise.all(conns.map((c) => acquireOn(c, provider, endpoint, 100)));
        const granted = results.filter((id) => id !== null);

        assertEquals(granted.length, expected, `${name}: granted`);
        assertEquals(new Set(granted).size, granted.length, "every lease id is distinct");
        const row = await readRow(sql, provider);
        assertEquals(row.active_requests, expected, "active_requests equals the grants");
        assertEquals(row.leases, expected, "one lease per grant");
        assertEquals(row.current_requests_minute, expected, "minute requests equal the grants");
        assertEquals(row.current_requests_hour, expected, "hour requests equal the grants");
        assertEquals(
          row.current_tokens_minute,
          expected * 100,
          "minute tokens equal the grants' estimates",
        );
        assertEquals(
          row.current_tokens_hour,
          expected * 100,
          "hour tokens equal the grants' estimates",
        );
        assertEquals(row.rate_limit_violations, CALLERS - expected, "every refusal is a violation");
      } finally {
        await Promise.all(conns.map((c) => c.end()));
        await sql`delete from public.api_rate_limits where provider_name = ${provider}`;
        await sql.end();
      }
    },
  );
}

Deno.test(
  "50 callers through PostgREST acquiring and releasing at once stay within every limit",
  opts,
  async () => {
    const sql = sqlAsPostgres();
    const { provider, endpoint } = await createLimitRow(sql, {
      requests_per_minute: 20,
      concurrent_requests: 5,
    });
    const service = client(stack.serviceRoleKey);
    try {
      // Each caller tries up to ATTEMPTS times at once with the others; a granted caller looks
      // at how many slots are held while it holds one, then releases with its actual token
      // count (not the estimate). Releases free slots, so requests_per_minute is reached.
      const ATTEMPTS = 6;
      const outcomes = await Promise.all(Array.from({ length: CALLERS }, async (_, i) => {
        let attempts = 0;
        while (attempts < ATTEMPTS) {
          attempts++;
          const acquired = await service.rpc("acquire_api_capacity", {
            p_provider_name: provider,
            p_api_endpoint: endpoint,
            p_estimated_tokens: 100,
            p_worker_id: `caller-${i}`,
          });
          assertEquals(acquired.error, null, `caller ${i} acquire: ${acquired.error?.message}`);
          const leaseId = acquired.data as string | null;
          if (leaseId === null) continue;

          const [seen] = await sql`
          select r.active_requests,
                 (select count(*)::int from public.api_capacity_leases l where l.rate_limit_id = r.id) as leases
            from public.api_rate_limits r where r.provider_name = ${provider}`;
          const actual = (i * 37) % 250;
          const released = await service.rpc("release_api_capacity", {
            p_lease_id: leaseId,
            p_actual_tokens: actual,
          });
          assertEquals(released.error, null, `caller ${i} release: ${released.error?.message}`);
          assertEquals(released.data, true, `caller ${i}'s release frees its slot`);
          return {
            granted: true,
            attempts,
            held: Math.max(seen.active_requests, seen.leases),
            actual,
          };
        }
        return { granted: false, attempts, held: 0, actual: 0 };
      }));

      const granted = outcomes.filter((o) => o.granted);
      const maxHeld = Math.max(0, ...granted.map((o) => o.held));
      const actualTokens = granted.reduce((sum, o) => sum + o.actual, 0);

      assert(granted.length > 0, "some callers are granted");
      assert(granted.length <= 20, `requests_per_minute = 20, granted ${granted.length}`);
      assert(
        maxHeld >= 1 && maxHeld <= 5,
        `concurrent_requests = 5, a holder saw ${maxHeld} slots held`,
      );

      const row = await readRow(sql, provider);
      assertEquals(
        row.current_requests_minute,
        granted.length,
        "the minute counter equals the grants",
      );
      assertEquals(row.current_requests_hour, granted.length, "the hour counter equals the grants");
      const attempts = outcomes.reduce((sum, o) => sum + o.attempts, 0);
      assertEquals(
        row.rate_limit_violations,
        attempts - granted.length,
        "every refusal is a violation",
      );
      assertEquals(row.active_requests, 0, "every slot is released");
      assertEquals(row.leases, 0, "no lease is left");
      assertEquals(
        row.current_tokens_minute,
        actualTokens,
        "tokens reconciled to the actual counts (minute)",
      );
      assertEquals(
        row.current_tokens_hour,
        actualTokens,
        "tokens reconciled to the actual counts (hour)",
      );
    } finally {
      await sql`delete from public.api_rate_limits where provider_name = ${provider}`;
      await sql.end();
    }
  },
);
