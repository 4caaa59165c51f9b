-- Schema ops: for its owner (postgres, the SQL editor) only; not reachable by anon,
-- authenticated or service_role, and not exposed by PostgREST (it serves public only).
-- The views are security_invoker.
begin;
select plan(12);

select views_are('ops', array['queue_depth', 'expired_leases', 'dead_letters', 'rate_limit_headroom'],
  'ops holds the four operator views');
select is((select nspowner::regrole::text from pg_namespace where nspname = 'ops'), 'postgres', 'owned by postgres');
select ok(not has_schema_privilege('anon', 'ops', 'usage'), 'anon has no USAGE on ops');
select ok(not has_schema_privilege('authenticated', 'ops', 'usage'), 'authenticated has no USAGE on ops');
select ok(not has_schema_privilege('service_role', 'ops', 'usage'), 'service_role has no USAGE on ops');
select ok(not exists (select 1 from pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) a
                       where n.nspname = 'ops' and a.grantee = 0), 'PUBLIC has nothing on ops');
select is(
  (select count(*) from pg_class c
    where c.relnamespace = 'ops'::regnamespace
      and (has_table_privilege('anon', c.oid, 'select') or has_table_privilege('authenticated', c.oid, 'select')
           or has_table_privilege('service_role', c.oid, 'select'))),
  0::bigint, 'no view is selectable by anon, authenticated or service_role');
select is(
  (select count(*) from pg_class c
    where c.relnamespace = 'ops'::regnamespace and c.relkind = 'v'
      and 'security_invoker=true' = any (c.reloptions)),
  4::bigint, 'every view is security_invoker');

select tests.authenticate_as_service_role();
select throws_ok($$select * from ops.queue_depth$$, '42501', 'permission denied for schema ops', 'service_role cannot read ops');
select tests.clear_authentication();
select tests.authenticate_as_anon();
select throws_ok($$select * from ops.dead_letters$$, '42501', 'permission denied for schema ops', 'anon cannot read ops');
select tests.clear_authentication();

select lives_ok($$select * from ops.rate_limit_headroom$$, 'postgres reads ops');
select lives_ok($$select * from ops.expired_leases$$, 'postgres reads ops (expired_leases)');

select * from finish();
rollback;
