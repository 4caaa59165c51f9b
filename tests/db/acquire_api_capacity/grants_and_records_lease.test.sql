-- A granted acquire counts one request and the estimate in BOTH the minute and
-- the hour windows, takes a concurrency slot, and records a lease with what it
-- counted and where.
begin;
select plan(16);

insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute, tokens_per_hour,
   concurrent_requests, minute_window_start, hour_window_start)
values ('t_grant', 'ep', 10, 100, 10000, 100000, 5, date_trunc('minute', now()), date_trunc('hour', now()));

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload)
values ('00000000-0000-4000-8000-00000000a001', 'ai_processing', 'standard', 'rate limit test job', '{}');

update public.system_configuration set config_value = '120' where config_key = 'rate_limit.capacity_lease_seconds';

create temp table granted as
select public.acquire_api_capacity('t_grant', 'ep', 700, '00000000-0000-4000-8000-00000000a001', 'worker-1') as lease_id;

select isnt((select lease_id from granted), null, 'a lease id is returned');

select is(r.current_requests_minute, 1, 'the request is counted in the minute window')
  from public.api_rate_limits r where r.provider_name = 't_grant';
select is(r.current_requests_hour, 1, 'the request is counted in the hour window')
  from public.api_rate_limits r where r.provider_name = 't_grant';
select is(r.current_tokens_minute, 700, 'the estimate is counted in the minute window')
  from public.api_rate_limits r where r.provider_name = 't_grant';
select is(r.current_tokens_hour, 700, 'the estimate is counted in the hour window')
  from public.api_rate_limits r where r.provider_name = 't_grant';
select is(r.active_requests, 1, 'one concurrency slot is taken')
  from public.api_rate_limits r where r.provider_name = 't_grant';
select is(r.rate_limit_violations, 0, 'a grant is not a violation')
  from public.api_rate_limits r where r.provider_name = 't_grant';

select is((select count(*)::integer from public.api_capacity_leases l join granted g on g.lease_id = l.id), 1,
  'the lease row exists');
select is(l.rate_limit_id, r.id, 'the lease belongs to the endpoint''s row')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id
  join public.api_rate_limits r on r.provider_name = 't_grant';
select is(l.estimated_tokens, 700, 'the lease records the estimate')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;
select is(l.minute_window_start, date_trunc('minute', now()), 'the lease records the minute window it was counted in')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;
select is(l.hour_window_start, date_trunc('hour', now()), 'the lease records the hour window it was counted in')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;
select is(l.job_id, '00000000-0000-4000-8000-00000000a001'::uuid, 'the lease records the job')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;
select is(l.worker_id, 'worker-1', 'the lease records the worker')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;
select is(l.expires_at, now() + interval '120 seconds', 'the lease expires after rate_limit.capacity_lease_seconds')
  from public.api_capacity_leases l join granted g on g.lease_id = l.id;

-- The default estimate is 1000 tokens.
select public.acquire_api_capacity('t_grant', 'ep');
select is(r.current_tokens_hour, 1700, 'the default estimate is 1000 tokens')
  from public.api_rate_limits r where r.provider_name = 't_grant';

select * from finish();
rollback;
