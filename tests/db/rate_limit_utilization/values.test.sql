-- The highest fraction of any configured limit in use; a counter of a window that
-- started before the current one counts as 0; NULL limits are ignored; 0 when
-- nothing is configured; NULL without an active row.
begin;
select plan(13);

-- Each limit in turn is the highest.
insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, requests_per_hour,
  tokens_per_minute, tokens_per_hour, concurrent_requests,
  current_requests_minute, current_requests_hour, current_tokens_minute, current_tokens_hour, active_requests,
  minute_window_start, hour_window_start)
values
  ('t_util', 'rpm', 100, 1000, 10000, 100000, 10, 30, 50, 1000, 2000, 1, date_trunc('minute', now()), date_trunc('hour', now())),
  ('t_util', 'rph', 100, 1000, 10000, 100000, 10, 30, 450, 1000, 2000, 1, date_trunc('minute', now()), date_trunc('hour', now())),
  ('t_util', 'tpm', 100, 1000, 10000, 100000, 10, 30, 50, 6000, 7000, 1, date_trunc('minute', now()), date_trunc('hour', now())),
  ('t_util', 'tph', 100, 1000, 10000, 100000, 10, 30, 50, 1000, 70000, 1, date_trunc('minute', now()), date_trunc('hour', now())),
  ('t_util', 'conc', 100, 1000, 10000, 100000, 10, 30, 50, 1000, 2000, 9, date_trunc('minute', now()), date_trunc('hour', now())),
  -- old minute window: its (high) minute counters count as 0; the hour's 0.2 is the highest.
  ('t_util', 'old_minute', 100, 1000, 10000, 100000, 10, 99, 200, 9900, 2000, 0,
   date_trunc('minute', now()) - interval '1 microsecond', date_trunc('hour', now())),
  -- both windows old, no slot held: idle.
  ('t_util', 'old_all', 100, 1000, 10000, 100000, 10, 99, 999, 9900, 99000, 0,
   date_trunc('hour', now()) - interval '1 hour', date_trunc('hour', now()) - interval '1 hour'),
  -- only one limit configured; the other counters are ignored.
  ('t_util', 'one_limit', null, null, null, 5000, null, 500, 900, 9000, 1000, 7, date_trunc('minute', now()), date_trunc('hour', now())),
  -- nothing configured.
  ('t_util', 'none', null, null, null, null, null, 500, 900, 9000, 1000, 7, date_trunc('minute', now()), date_trunc('hour', now())),
  -- over a limit (actual tokens above the estimate): above 1.
  ('t_util', 'over', null, null, 1000, null, null, 0, 0, 1500, 1500, 0, date_trunc('minute', now()), date_trunc('hour', now()));
insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, current_requests_minute, status,
  minute_window_start)
values ('t_util', 'maint', 10, 5, 'maintenance', date_trunc('minute', now()));

select is(private.rate_limit_utilization('t_util', 'rpm'), 0.3, 'requests per minute 30/100');
select is(private.rate_limit_utilization('t_util', 'rph'), 0.45, 'requests per hour 450/1000');
select is(private.rate_limit_utilization('t_util', 'tpm'), 0.6, 'tokens per minute 6000/10000');
select is(private.rate_limit_utilization('t_util', 'tph'), 0.7, 'tokens per hour 70000/100000');
select is(private.rate_limit_utilization('t_util', 'conc'), 0.9, 'active 9 / concurrent 10');
select is(private.rate_limit_utilization('t_util', 'old_minute'), 0.2, 'an old minute window counts as 0');
select is(private.rate_limit_utilization('t_util', 'old_all'), 0::numeric, 'old windows and no slot: 0');
select is(private.rate_limit_utilization('t_util', 'one_limit'), 0.2, 'only configured limits count');
select is(private.rate_limit_utilization('t_util', 'none'), 0::numeric, 'no limit configured: 0');
select is(private.rate_limit_utilization('t_util', 'over'), 1.5, 'past a limit: above 1');
select is(private.rate_limit_utilization('t_util', 'maint'), null, 'a row in maintenance: NULL');
select is(private.rate_limit_utilization('t_util', 'missing'), null, 'no row: NULL');
select is(private.rate_limit_utilization('openai', 'gpt-4o-mini') >= 0, true, 'a seeded provider row: a number');

select * from finish();
rollback;
