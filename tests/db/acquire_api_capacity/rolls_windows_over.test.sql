-- Fixed windows: a counter whose window started before the current minute/hour
-- counts as zero; acquire resets it, moves the window start to the current
-- window, and counts the new request there. A window that started in the
-- current minute/hour (even exactly at its start) is kept.
begin;
select plan(14);

-- Both windows old and full: the request is admitted in fresh windows.
insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, requests_per_hour, tokens_per_minute, tokens_per_hour,
   current_requests_minute, current_requests_hour, current_tokens_minute, current_tokens_hour,
   minute_window_start, hour_window_start)
values ('t_roll', 'ep', 5, 50, 5000, 50000, 5, 50, 5000, 50000,
        date_trunc('hour', now()) - interval '2 hours', date_trunc('hour', now()) - interval '2 hours');

select isnt(public.acquire_api_capacity('t_roll', 'ep', 300), null, 'full but old windows do not refuse');
select is(r.current_requests_minute, 1, 'minute requests reset, then the new request counted')
  from public.api_rate_limits r where r.provider_name = 't_roll';
select is(r.current_tokens_minute, 300, 'minute tokens reset, then the estimate counted')
  from public.api_rate_limits r where r.provider_name = 't_roll';
select is(r.minute_window_start, date_trunc('minute', now()), 'the minute window starts at the current minute')
  from public.api_rate_limits r where r.provider_name = 't_roll';
select is(r.current_requests_hour, 1, 'hour requests reset, then the new request counted')
  from public.api_rate_limits r where r.provider_name = 't_roll';
select is(r.current_tokens_hour, 300, 'hour tokens reset, then the estimate counted')
  from public.api_rate_limits r where r.provider_name = 't_roll';
select is(r.hour_window_start, date_trunc('hour', now()), 'the hour window starts at the current hour')
  from public.api_rate_limits r where r.provider_name = 't_roll';

-- Minute window one microsecond before the current minute: rolled; the hour window
-- (current) keeps counting.
insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, requests_per_hour,
   current_requests_minute, current_requests_hour, current_tokens_minute, current_tokens_hour,
   minute_window_start, hour_window_start)
values ('t_roll_edge', 'ep', 5, 50, 5, 10, 900, 900,
        date_trunc('minute', now()) - interval '1 microsecond', date_trunc('hour', now()));

select isnt(public.acquire_api_capacity('t_roll_edge', 'ep', 100), null,
  'a minute window that ended a microsecond before this minute is rolled over');
select is(r.current_requests_minute, 1, 'its minute requests restart at 1')
  from public.api_rate_limits r where r.provider_name = 't_roll_edge';
select is(r.current_requests_hour, 11, 'the current hour window keeps counting (10 + 1)')
  from public.api_rate_limits r where r.provider_name = 't_roll_edge';
select is(r.current_tokens_hour, 1000, 'hour tokens keep counting (900 + 100)')
  from public.api_rate_limits r where r.provider_name = 't_roll_edge';

-- Minute window that started exactly at the current minute: not rolled.
insert into public.api_rate_limits
  (provider_name, api_endpoint, requests_per_minute, current_requests_minute, minute_window_start, hour_window_start)
values ('t_roll_now', 'ep', 5, 4, date_trunc('minute', now()), date_trunc('hour', now()));

select isnt(public.acquire_api_capacity('t_roll_now', 'ep', 0), null, 'the current window has room for one more');
select is(r.current_requests_minute, 5, 'the current window keeps its count (4 + 1)')
  from public.api_rate_limits r where r.provider_name = 't_roll_now';
select is(public.acquire_api_capacity('t_roll_now', 'ep', 0), null,
  'and is now full: a window starting exactly at this minute is not rolled over');

select * from finish();
rollback;
