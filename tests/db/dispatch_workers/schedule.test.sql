-- The driver: scheduled every minute by pg_cron as dispatch-workers; its cap is a typed
-- configuration row (default 8); the function is internal (no API role may run it).
begin;
select plan(7);

select results_eq($$select schedule, command, active, username from cron.job where jobname = 'dispatch-workers'$$,
  $$values ('* * * * *'::text, 'select private.dispatch_workers()'::text, true, 'postgres'::text)$$,
  'cron job dispatch-workers: every minute, as postgres');
select results_eq($$select config_value, value_type from public.system_configuration where config_key = 'dispatch.max_invocations_per_tick'$$,
  $$values ('8'::jsonb, 'integer'::text)$$, 'dispatch.max_invocations_per_tick = 8 (integer)');
select ok(not has_function_privilege('public', 'private.dispatch_workers()', 'execute'), 'PUBLIC: no EXECUTE');
select ok(not has_function_privilege('anon', 'private.dispatch_workers()', 'execute'), 'anon: no EXECUTE');
select ok(not has_function_privilege('authenticated', 'private.dispatch_workers()', 'execute'), 'authenticated: no EXECUTE');
select ok(not has_function_privilege('service_role', 'private.dispatch_workers()', 'execute'), 'service_role: no EXECUTE');
select tests.authenticate_as_service_role();
select throws_ok('select private.dispatch_workers()', '42501', 'permission denied for schema private', 'service_role cannot run it');
select tests.clear_authentication();

select * from finish();
rollback;
