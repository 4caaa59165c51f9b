-- A job with only the required arguments: the type's default lane, the config's
-- max_retries, the token estimate and (zero) backpressure delay in its payload.
begin;
select plan(22);

update public.system_configuration set config_value = '7' where config_key = 'queue.default_max_retries';
select count(*) as audit_before from public.audit_log \gset

create temp table queued as
  select * from public.enqueue_job_v3('report_generation', '  monthly report  ', '{"report": "m"}');

select is((select count(*)::integer from queued), 1, 'one row returned');
select isnt((select job_id from queued), null, 'it carries the job id');
select is((select scheduled_at from queued), now(), 'scheduled_at defaults to now()');

select is(q.job_type, 'report_generation', 'job_type stored') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.job_lane, 'standard', 'null job_lane = the type''s default lane') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.job_name, 'monthly report', 'job_name trimmed') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.status, 'pending', 'pending') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.priority, 5, 'default priority 5') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.job_category, 'standard', 'default category standard') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.max_retries, 7, 'max_retries from queue.default_max_retries') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.scheduled_at, queued.scheduled_at, 'the returned scheduled_at is the stored one') from public.job_queue q, queued where q.id = queued.job_id;
select is(q.job_payload, '{"report": "m", "estimated_tokens": 1000, "backpressure_delay_seconds": 0}'::jsonb,
  'payload kept, estimated_tokens defaults to 1000, no backpressure recorded as 0')
  from public.job_queue q, queued where q.id = queued.job_id;
select ok(q.api_provider is null and q.api_endpoint is null, 'a lane with no provider: none stored')
  from public.job_queue q, queued where q.id = queued.job_id;
select ok(q.worker_id is null and q.heartbeat_at is null and q.retry_count = 0, 'no holder, no retries')
  from public.job_queue q, queued where q.id = queued.job_id;

-- Explicit arguments are honoured.
create temp table queued2 as
  select * from public.enqueue_job_v3('shell_file_processing', 'doc', '{"estimated_tokens": 250}',
    'critical', 9, now() + interval '1 hour', 'priority', null, null, 0);
select is(q.job_lane, 'priority', 'explicit lane') from public.job_queue q, queued2 where q.id = queued2.job_id;
select is(q.priority, 9, 'explicit priority') from public.job_queue q, queued2 where q.id = queued2.job_id;
select is(q.job_category, 'critical', 'explicit category') from public.job_queue q, queued2 where q.id = queued2.job_id;
select is(q.max_retries, 0, 'explicit max_retries 0') from public.job_queue q, queued2 where q.id = queued2.job_id;
select is(queued2.scheduled_at, now() + interval '1 hour', 'a future scheduled_at is kept') from queued2;
select is(q.job_payload ->> 'estimated_tokens', '250', 'a given estimate is kept')
  from public.job_queue q, queued2 where q.id = queued2.job_id;

-- Audit: one INSERT per job, correlated by job id, without the payload.
select is((select count(*) from public.audit_log) - :audit_before, 2::bigint, 'one audit event per enqueue');
select ok(exists (
    select 1 from public.audit_log a, queued
     where a.job_id = queued.job_id and a.record_id = queued.job_id::text
       and a.table_name = 'job_queue' and a.operation = 'INSERT'
       and a.new_values ->> 'job_type' = 'report_generation'
       and not (a.new_values ? 'job_payload') and not (a.new_values::text like '%monthly%')),
  'the audit event names the job, not its payload');

select * from finish();
rollback;
