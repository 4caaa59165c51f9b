-- requests_per_hour is enforced: the hour window is counted, and a full hour
-- refuses even when the minute window is empty (just rolled over).
begin;
select plan(7);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, requests_per_hour)
values ('t_rph', 'ep', 100, 2);

select isnt(public.acquire_api_capacity('t_rph', 'ep', 0), null, 'request 1 of 2 this hour granted');
select isnt(public.acquire_api_capacity('t_rph', 'ep', 0), null, 'request 2 of 2 this hour granted');
select is(public.acquire_api_capacity('t_rph', 'ep', 0), null, 'request 3 refused by requests_per_hour');

-- A new minute in the same hour: the minute window is empty, the hour is still full.
update public.api_rate_limits
   set minute_window_start = date_trunc('minute', now()) - interval '1 minute',
       hour_window_start = date_trunc('hour', now())
 where provider_name = 't_rph';

select is(public.acquire_api_capacity('t_rph', 'ep', 0), null, 'a new minute does not reopen a full hour');
select is((r.current_requests_minute, r.current_requests_hour), (2, 2),
  'the refused requests are not counted')
  from public.api_rate_limits r where r.provider_name = 't_rph';
select is(r.rate_limit_violations, 2, 'both refusals are violations')
  from public.api_rate_limits r where r.provider_name = 't_rph';

-- A new hour reopens it.
update public.api_rate_limits
   set minute_window_start = date_trunc('hour', now()) - interval '1 hour',
       hour_window_start = date_trunc('hour', now()) - interval '1 hour'
 where provider_name = 't_rph';
select isnt(public.acquire_api_capacity('t_rph', 'ep', 0), null, 'a new hour admits again');

select * from finish();
rollback;
