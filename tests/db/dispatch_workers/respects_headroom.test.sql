-- The dispatcher starts no more invocations for a provider endpoint than it has free
-- concurrency slots: an invocation without headroom would only reschedule its job.
begin;
select plan(5);

delete from vault.secrets where name in ('project_url', 'service_role_key');
select vault.create_secret('http://dispatch.test:54321', 'project_url');
select vault.create_secret('test-service-key', 'service_role_key');
delete from public.job_queue where status = 'pending';

insert into public.api_rate_limits (provider_name, api_endpoint, concurrent_requests, active_requests)
values ('headroom', 'tight', 3, 1), ('headroom', 'full', 2, 2);
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, api_provider, api_endpoint)
select 'shell_file_processing', 'standard', 'tight ' || g, '{"k": 1}', 'pending', 'headroom', 'tight'
  from generate_series(1, 4) g;

select is(private.dispatch_workers(), 2, 'four jobs for an endpoint with 2 free slots: two invocations');

update public.api_rate_limits set active_requests = 3 where provider_name = 'headroom' and api_endpoint = 'tight';
select is(private.dispatch_workers(), 0, 'no free slot: no invocation');

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, api_provider, api_endpoint)
select 'shell_file_processing', 'standard', 'unlimited ' || g, '{"k": 1}', 'pending', null, null
  from generate_series(1, 2) g;
select is(private.dispatch_workers(), 2, 'jobs that name no endpoint are not held back');

update public.api_rate_limits set status = 'disabled' where provider_name = 'headroom' and api_endpoint = 'tight';
select is(private.dispatch_workers(), 6, 'an endpoint without an active row is not limited here');

update public.system_configuration set config_value = '5' where config_key = 'dispatch.max_invocations_per_tick';
select is(private.dispatch_workers(), 5, 'the cap still applies');

select * from finish();
rollback;
