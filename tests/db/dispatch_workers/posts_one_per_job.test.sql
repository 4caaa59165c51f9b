-- One net.http_post per claimable job (pending, due, shell_file_processing), at most
-- dispatch.max_invocations_per_tick: to <project_url>/functions/v1/job-worker, with the
-- service key as a bearer, body {"source": "cron"}, 5 s timeout. The requests land in
-- net.http_request_queue (sent only after commit; this test rolls back). The Vault secrets
-- are made here, inside the transaction.
begin;
select plan(9);

-- SECRETS: this test's own values, whatever the stack wrote at start-up.
delete from vault.secrets where name in ('project_url', 'service_role_key');
select vault.create_secret('http://dispatch.test:54321/', 'project_url');
select vault.create_secret('test-service-key', 'service_role_key');

-- WORK: only this test's jobs are pending (others are set aside, rolled back at the end).
delete from public.job_queue where status = 'pending';
select tests.create_user_with_profile('dw_post_alice') as alice \gset
select job_id as j from tests.create_processing_job(:'alice', 'w1') \gset
update public.job_queue set status = 'pending', worker_id = null, heartbeat_at = null, started_at = null where id = :'j';
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, scheduled_at)
select 'shell_file_processing', 'standard', 'due ' || g, '{"k": 1}', 'pending', now() - interval '1 second' from generate_series(1, 4) g;
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, scheduled_at) values
  ('shell_file_processing', 'standard', 'later', '{"k": 1}', 'pending', now() + interval '1 minute'),
  ('report_generation', 'standard', 'another type', '{"k": 1}', 'pending', now());
create temp table queue_before as select coalesce(max(id), 0) as last_id from net.http_request_queue;
create function pg_temp.sent() returns table (method text, url text, headers jsonb, body jsonb, timeout_milliseconds integer)
language sql as $$
  select q.method::text, q.url, q.headers, convert_from(q.body, 'UTF8')::jsonb, q.timeout_milliseconds
    from net.http_request_queue q where q.id > (select last_id from queue_before) order by q.id
$$;

-- CAP: 3 per tick, 5 claimable.
update public.system_configuration set config_value = '3' where config_key = 'dispatch.max_invocations_per_tick';
select is(private.dispatch_workers(), 3, 'five claimable, cap 3: three invocations');
select is((select count(*)::integer from pg_temp.sent()), 3, 'three requests queued');
select results_eq('select distinct * from pg_temp.sent()',
  $$values ('POST'::text, 'http://dispatch.test:54321/functions/v1/job-worker'::text,
            '{"Authorization": "Bearer test-service-key", "Content-Type": "application/json"}'::jsonb,
            '{"source": "cron"}'::jsonb, 5000)$$,
  'each: POST to the worker (no double slash), the bearer and JSON headers, body {"source": "cron"}, 5 s');

-- UNDER THE CAP: n = the claimable count (the future job and the other type do not count).
truncate queue_before;
insert into queue_before select coalesce(max(id), 0) from net.http_request_queue;
update public.system_configuration set config_value = '8' where config_key = 'dispatch.max_invocations_per_tick';
select is(private.dispatch_workers(), 5, 'cap 8, five claimable: five');
select is((select count(*)::integer from pg_temp.sent()), 5, 'five requests queued');

-- DEFAULT: without the configuration row, 8.
delete from public.system_configuration where config_key = 'dispatch.max_invocations_per_tick';
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status)
select 'shell_file_processing', 'standard', 'more ' || g, '{"k": 1}', 'pending' from generate_series(1, 10) g;
select is(private.dispatch_workers(), 8, 'fifteen claimable, no configuration row: the default cap 8');

-- NOTHING TO DO: no request.
delete from public.job_queue where status = 'pending';
truncate queue_before;
insert into queue_before select coalesce(max(id), 0) from net.http_request_queue;
select is(private.dispatch_workers(), 0, 'no claimable job: 0');
select is((select count(*)::integer from pg_temp.sent()), 0, 'and no request');

-- PAUSED: a cap of 0 sends nothing.
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status) values ('shell_file_processing', 'standard', 'x', '{"k": 1}', 'pending');
insert into public.system_configuration (config_key, config_value, value_type, config_type, description)
values ('dispatch.max_invocations_per_tick', '0', 'integer', 'worker', 'paused');
select is(private.dispatch_workers(), 0, 'a cap of 0 pauses the dispatcher');

select * from finish();
rollback;
