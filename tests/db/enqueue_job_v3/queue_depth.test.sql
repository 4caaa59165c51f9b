-- queue_depth_limit: pending + processing jobs on the job's endpoint; at the limit
-- a clear 54000 error and nothing written.
begin;
select plan(9);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, queue_depth_limit)
values ('t_qd', 'ep', 100, 3), ('t_qd', 'other', 100, 3);

create temp table j as
  select * from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}', priority => 10)
  union all
  select * from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')
  union all
  select * from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}');
select is((select count(*)::integer from j), 3, 'up to the limit: queued');

select count(*) as jobs_before from public.job_queue \gset
select count(*) as audit_before from public.audit_log \gset
select throws_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')$$,
  '54000', 'enqueue_job_v3: queue for t_qd:ep is full (3 jobs, limit 3)', 'at the limit: refused');
select is((select count(*) from public.job_queue), :jobs_before::bigint, 'no job written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event written');

select lives_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "other"}')$$,
  'another endpoint of the same provider has its own depth');

-- a job being processed still counts
update public.job_queue set status = 'processing', worker_id = 'w', heartbeat_at = now()
 where id = (select job_id from j limit 1);
select throws_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')$$,
  '54000', 'enqueue_job_v3: queue for t_qd:ep is full (3 jobs, limit 3)', 'processing jobs count');

-- a finished job does not
update public.job_queue set status = 'completed', worker_id = null, heartbeat_at = null, completed_at = now()
 where id = (select job_id from j limit 1);
select lives_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')$$,
  'a completed job frees a place');

-- the limit holds whatever the row's status (the queue still grows while it is paused)
update public.api_rate_limits set status = 'maintenance' where provider_name = 't_qd' and api_endpoint = 'ep';
select throws_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')$$,
  '54000', 'enqueue_job_v3: queue for t_qd:ep is full (3 jobs, limit 3)', 'an endpoint in maintenance keeps its depth limit');

update public.api_rate_limits set queue_depth_limit = null where provider_name = 't_qd' and api_endpoint = 'ep';
select lives_ok($$select public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_qd", "api_endpoint": "ep"}')$$,
  'no queue_depth_limit: no limit');

select * from finish();
rollback;
