-- Internal: nobody but the owner executes it (it checks no access; the RPCs do).
begin;
select plan(4);
select ok(not has_function_privilege('anon', 'private.usage_status(uuid)', 'execute'), 'anon cannot execute it');
select ok(not has_function_privilege('authenticated', 'private.usage_status(uuid)', 'execute'), 'authenticated cannot execute it');
select ok(not has_function_privilege('service_role', 'private.usage_status(uuid)', 'execute'), 'service_role cannot execute it directly');
select is((select prosecdef from pg_proc where oid = 'private.usage_status(uuid)'::regprocedure), false,
  'not security definer: it runs with its caller''s (the RPC''s) rights');
select * from finish();
rollback;
