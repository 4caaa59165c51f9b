-- The lease length comes from worker.timeout_seconds (default 180), at least 1 s.
begin;
select plan(5);

select is(private.job_lease_timeout(), interval '180 seconds', 'the seeded 180 s');
update public.system_configuration set config_value = '45' where config_key = 'worker.timeout_seconds';
select is(private.job_lease_timeout(), interval '45 seconds', 'follows the configuration');
update public.system_configuration set config_value = '0' where config_key = 'worker.timeout_seconds';
select is(private.job_lease_timeout(), interval '1 second', 'never below 1 s');
delete from public.system_configuration where config_key = 'worker.timeout_seconds';
select is(private.job_lease_timeout(), interval '180 seconds', 'a missing row falls back to 180 s');
select ok(not has_function_privilege('service_role', 'private.job_lease_timeout()', 'execute')
          and not has_function_privilege('anon', 'private.job_lease_timeout()', 'execute')
          and not has_function_privilege('authenticated', 'private.job_lease_timeout()', 'execute'),
  'internal: no client role may execute it');

select * from finish();
rollback;
