-- Internal: no client role can call it (private schema, no grants); the owner
-- (SECURITY DEFINER callers such as enqueue_job_v3) can.
begin;
select plan(5);

select tests.create_user_with_profile('util_perm_user');

select tests.authenticate_as_anon();
select throws_ok($$select private.rate_limit_utilization('openai', 'gpt-4o-mini')$$, '42501',
  'permission denied for schema private', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('util_perm_user');
select throws_ok($$select private.rate_limit_utilization('openai', 'gpt-4o-mini')$$, '42501',
  'permission denied for schema private', 'an authenticated user is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok($$select private.rate_limit_utilization('openai', 'gpt-4o-mini')$$, '42501',
  'permission denied for schema private', 'service_role calls it only through an RPC');
select tests.clear_authentication();

select is(has_function_privilege('service_role', 'private.rate_limit_utilization(text, text)', 'execute'), false,
  'no EXECUTE grant to service_role either');
select isnt(private.rate_limit_utilization('openai', 'gpt-4o-mini'), null, 'the owner can call it');

select * from finish();
rollback;
