-- ops.rate_limit_headroom: per endpoint, usage in the current windows (a rolled-over
-- window counts as 0), headroom per limit (null = unlimited), slots, live and expired
-- capacity leases, utilization (= private.rate_limit_utilization) against the
-- backpressure threshold, queue depth.
begin;
select plan(12);

insert into public.api_rate_limits (id, provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute,
  tokens_per_hour, concurrent_requests, current_requests_minute, current_requests_hour, current_tokens_minute, current_tokens_hour,
  active_requests, minute_window_start, hour_window_start, backpressure_threshold, queue_depth_limit, rate_limit_violations)
values ('e2000000-0000-4000-8000-000000000001', 'ops_rl_test', 'ep', 10, 100, 1000, 10000, 4, 5, 30, 200, 3000, 2,
        date_trunc('minute', now()), date_trunc('hour', now()), 0.80, 50, 7),
       ('e2000000-0000-4000-8000-000000000002', 'ops_rl_test', 'unlimited', null, null, null, null, null, 3, 3, 3, 3, 0,
        date_trunc('minute', now()), date_trunc('hour', now()), 0.80, null, 0);
insert into public.api_capacity_leases (rate_limit_id, estimated_tokens, minute_window_start, hour_window_start, expires_at)
values ('e2000000-0000-4000-8000-000000000001', 100, date_trunc('minute', now()), date_trunc('hour', now()), now() + interval '1 minute'),
       ('e2000000-0000-4000-8000-000000000001', 100, date_trunc('minute', now()), date_trunc('hour', now()), now() - interval '2 minutes'),
       ('e2000000-0000-4000-8000-000000000001', 100, date_trunc('minute', now()), date_trunc('hour', now()), now());
insert into public.job_lanes (job_type, job_lane, is_default, description) values ('ops_rl_test', 'a', true, 'test');
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, api_provider, api_endpoint)
values ('ops_rl_test', 'a', 'p1', '{}', 'pending', null, null, 'ops_rl_test', 'ep'),
       ('ops_rl_test', 'a', 'p2', '{}', 'pending', null, null, 'ops_rl_test', 'ep'),
       ('ops_rl_test', 'a', 'r1', '{}', 'processing', 'w', now(), 'ops_rl_test', 'ep'),
       ('ops_rl_test', 'a', 'c1', '{}', 'completed', null, null, 'ops_rl_test', 'ep'),
       ('ops_rl_test', 'a', 'o1', '{}', 'pending', null, null, 'ops_rl_test', 'other');

select results_eq(
  $$select requests_minute, requests_hour, tokens_minute, tokens_hour,
           requests_minute_headroom, requests_hour_headroom, tokens_minute_headroom, tokens_hour_headroom,
           active_slots, slots_headroom
      from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (5, 30, 200, 3000, 5, 70, 800, 7000, 2, 2)$$,
  'current windows: usage and headroom per limit, slots');
select results_eq(
  $$select live_capacity_leases, expired_capacity_leases, oldest_expired_lease_at
      from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (1::bigint, 2::bigint, now() - interval '2 minutes')$$,
  'one live lease; two expired (expires_at <= now(), as the reclaimer counts), the oldest named');
select is((select utilization from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'),
  0.5::numeric, 'utilization: the highest fraction (5/10 requests a minute, 2/4 slots)');
select is((select utilization from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'),
  private.rate_limit_utilization('ops_rl_test', 'ep'), 'the same figure backpressure reads');
select results_eq(
  $$select under_backpressure, queue_depth, queue_depth_limit, rate_limit_violations
      from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (false, 3::bigint, 50, 7)$$,
  'below the threshold; queue depth counts pending + processing of this endpoint only');

-- ROLL-OVER: the minute window started a minute ago -> minute counters count as 0.
update public.api_rate_limits set minute_window_start = date_trunc('minute', now()) - interval '1 minute'
 where id = 'e2000000-0000-4000-8000-000000000001';
select results_eq(
  $$select requests_minute, tokens_minute, requests_hour, tokens_hour, requests_minute_headroom
      from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (0, 0, 30, 3000, 10)$$,
  'a rolled-over minute window counts as 0; the hour window still counts');
update public.api_rate_limits set hour_window_start = date_trunc('hour', now()) - interval '1 hour'
 where id = 'e2000000-0000-4000-8000-000000000001';
select results_eq(
  $$select requests_hour, tokens_hour, tokens_hour_headroom from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (0, 0, 10000)$$,
  'a rolled-over hour window counts as 0');

-- AT THE THRESHOLD: slots 4/4.
update public.api_rate_limits set active_requests = 4 where id = 'e2000000-0000-4000-8000-000000000001';
select results_eq(
  $$select utilization, under_backpressure, slots_headroom from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values (1::numeric, true, 0)$$,
  'all slots taken: utilization 1, under backpressure, no slot left');

-- NOT ACTIVE: no utilization, no backpressure.
update public.api_rate_limits set status = 'disabled' where id = 'e2000000-0000-4000-8000-000000000001';
select results_eq(
  $$select status, utilization, under_backpressure from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'ep'$$,
  $$values ('disabled'::text, null::numeric, false)$$,
  'a disabled endpoint is listed, with no utilization');

-- UNLIMITED: every headroom null.
select results_eq(
  $$select requests_minute_headroom, requests_hour_headroom, tokens_minute_headroom, tokens_hour_headroom, slots_headroom, utilization
      from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'unlimited'$$,
  $$values (null::integer, null::integer, null::integer, null::integer, null::integer, 0::numeric)$$,
  'no limits: headroom null (unlimited), utilization 0');
select is((select queue_depth from ops.rate_limit_headroom where provider_name = 'ops_rl_test' and api_endpoint = 'unlimited'),
  0::bigint, 'no jobs for it');
select is((select count(*) from ops.rate_limit_headroom), (select count(*) from public.api_rate_limits),
  'one row per rate limit row');

select * from finish();
rollback;
