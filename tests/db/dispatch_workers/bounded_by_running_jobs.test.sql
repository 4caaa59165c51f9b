-- Invocations chain themselves, so a tick only tops the running ones up to
-- dispatch.max_running_jobs: jobs processing under a live lease count, a job whose lease
-- expired (its worker is dead) does not.
begin;
select plan(6);

delete from vault.secrets where name in ('project_url', 'service_role_key');
select vault.create_secret('http://dispatch.test:54321', 'project_url');
select vault.create_secret('test-service-key', 'service_role_key');
delete from public.job_queue where status in ('pending', 'processing');

select results_eq($$select config_value, value_type from public.system_configuration where config_key = 'dispatch.max_running_jobs'$$,
  $$values ('8'::jsonb, 'integer'::text)$$, 'dispatch.max_running_jobs = 8 (integer)');

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status)
select 'shell_file_processing', 'standard', 'pending ' || g, '{"k": 1}', 'pending' from generate_series(1, 10) g;
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at)
select 'shell_file_processing', 'standard', 'running ' || g, '{"k": 1}', 'processing', 'w' || g, now(), now()
  from generate_series(1, 5) g;

select is(private.dispatch_workers(), 3, '5 running of 8: three more');

update public.job_queue set heartbeat_at = now() - private.job_lease_timeout() - interval '1 second'
 where job_name in ('running 1', 'running 2');
select is(private.dispatch_workers(), 5, 'two of them past their lease: their workers are dead, five more');

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at)
select 'shell_file_processing', 'standard', 'more ' || g, '{"k": 1}', 'processing', 'm' || g, now(), now()
  from generate_series(1, 6) g;
select is(private.dispatch_workers(), 0, '9 running under a live lease: none');

update public.system_configuration set config_value = '20' where config_key = 'dispatch.max_running_jobs';
select is(private.dispatch_workers(), 8, 'room for 11: the per-tick cap of 8 still applies');

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at)
select 'ai_processing', 'standard', 'other ' || g, '{"k": 1}', 'processing', 'o' || g, now(), now()
  from generate_series(1, 20) g;
select is(private.dispatch_workers(), 8, 'jobs of other types do not count');

select * from finish();
rollback;
