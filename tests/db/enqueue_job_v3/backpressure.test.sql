-- Backpressure comes from the endpoint the job will call (any provider, not one
-- pinned in code): over its threshold, scheduled_at moves by
-- backpressure_delay_seconds x utilization / threshold (rounded up), at most
-- queue.max_backpressure_delay_seconds; the delay is recorded in the payload.
begin;
select plan(16);

insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, requests_per_hour, backpressure_threshold, backpressure_delay_seconds,
   minute_window_start, hour_window_start)
values ('t_bp', 'ep', 100, 1000, 0.50, 10, date_trunc('minute', now()), date_trunc('hour', now()));

-- low utilization: no delay
update public.api_rate_limits set current_requests_minute = 10 where provider_name = 't_bp';
create temp table low as
  select * from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}');
select is((select scheduled_at from low), now(), '10% used: not delayed');
select is(q.job_payload -> 'backpressure_delay_seconds', '0'::jsonb, 'and 0 recorded')
  from public.job_queue q, low where q.id = low.job_id;

-- exactly at the threshold: not over it
update public.api_rate_limits set current_requests_minute = 50 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now(), '50% used with threshold 50%: not delayed');

-- over the threshold: scaled by the overshoot
update public.api_rate_limits set current_requests_minute = 75 where provider_name = 't_bp';
create temp table high as
  select * from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}');
select is((select scheduled_at from high), now() + interval '15 seconds', '75% used: 10 s x 0.75 / 0.5 = 15 s');
select is(q.job_payload -> 'backpressure_delay_seconds', '15'::jsonb, 'the delay is recorded in the payload')
  from public.job_queue q, high where q.id = high.job_id;
select is(q.scheduled_at, now() + interval '15 seconds', 'and the stored scheduled_at is the delayed one')
  from public.job_queue q, high where q.id = high.job_id;

update public.api_rate_limits set current_requests_minute = 100 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now() + interval '20 seconds', '100% used: 20 s (more overshoot, more delay)');

select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}',
    scheduled_at => now() + interval '1 hour')),
  now() + interval '1 hour 20 seconds', 'a later scheduled_at is pushed by the same delay');

-- bounded
update public.system_configuration set config_value = '25' where config_key = 'queue.max_backpressure_delay_seconds';
update public.api_rate_limits set current_requests_minute = 200 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now() + interval '25 seconds', '200% used: 40 s capped at queue.max_backpressure_delay_seconds (25)');
update public.system_configuration set config_value = '300' where config_key = 'queue.max_backpressure_delay_seconds';

-- a minute window that has rolled over counts as zero
update public.api_rate_limits set current_requests_minute = 100, minute_window_start = date_trunc('minute', now()) - interval '1 minute'
 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now(), 'a full but past minute window: not delayed');

-- the hour window counts too
update public.api_rate_limits set current_requests_hour = 900 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now() + interval '18 seconds', '90% of the hour used: 10 s x 0.9 / 0.5 = 18 s');

-- a row that is not active: no backpressure
update public.api_rate_limits set status = 'maintenance' where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now(), 'an endpoint in maintenance (no active row): not delayed');

-- no rate-limit row at all: no backpressure
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_none", "api_endpoint": "ep"}')),
  now(), 'an endpoint with no rate-limit row: not delayed');

-- not pinned to one provider: a busy openai row delays openai jobs only
update public.api_rate_limits set current_requests_minute = 500, minute_window_start = date_trunc('minute', now())
 where provider_name = 'openai' and api_endpoint = 'gpt-4o-mini';
update public.api_rate_limits set status = 'active', current_requests_minute = 0, current_requests_hour = 0
 where provider_name = 't_bp';
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"k": 1}')),
  now() + interval '7 seconds', 'a job on its lane''s busy openai:gpt-4o-mini: 5 s x 1.0 / 0.8 rounded up = 7 s');
select is((select scheduled_at from public.enqueue_job_v3('ai_processing', 'n', '{"api_provider": "t_bp", "api_endpoint": "ep"}')),
  now(), 'the same job type routed to an idle endpoint: not delayed');
select is((select scheduled_at from public.enqueue_job_v3('report_generation', 'n', '{"k": 1}')),
  now(), 'a job that calls no provider: not delayed');

select * from finish();
rollback;
