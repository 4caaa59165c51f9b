-- Internal: no API role may execute it (private schema, no grants); the public RPCs call it
-- as their owner.
begin;
select plan(5);

select ok(not has_function_privilege('public', 'private.record_job_step(text, uuid, text, jsonb, integer)', 'execute'), 'PUBLIC: no EXECUTE');
select ok(not has_function_privilege('anon', 'private.record_job_step(text, uuid, text, jsonb, integer)', 'execute'), 'anon: no EXECUTE');
select ok(not has_function_privilege('authenticated', 'private.record_job_step(text, uuid, text, jsonb, integer)', 'execute'), 'authenticated: no EXECUTE');
select ok(not has_function_privilege('service_role', 'private.record_job_step(text, uuid, text, jsonb, integer)', 'execute'), 'service_role: no EXECUTE');
select tests.authenticate_as_service_role();
select throws_ok($$select private.record_job_step('f', '00000000-0000-4000-8000-00000000fff5', 'w1', '{}')$$, '42501',
  'permission denied for schema private', 'service_role cannot call it directly');
select tests.clear_authentication();

select * from finish();
rollback;
