-- A token window that rolled over since the acquire is not reconciled (its count
-- belongs to other requests); a window still current is.
begin;
select plan(6);

-- The row and a lease counted in the previous minute of this hour.
insert into public.api_rate_limits (provider_name, api_endpoint, tokens_per_minute, tokens_per_hour,
  current_requests_minute, current_requests_hour, current_tokens_minute, current_tokens_hour,
  active_requests, minute_window_start, hour_window_start)
values ('t_rolled', 'ep', 100000, 1000000, 1, 1, 1000, 1000, 1,
        date_trunc('minute', now()) - interval '1 minute', date_trunc('hour', now()));
insert into public.api_capacity_leases (id, rate_limit_id, estimated_tokens, minute_window_start, hour_window_start, expires_at)
select '00000000-0000-4000-8000-00000000b001', r.id, 1000, r.minute_window_start, r.hour_window_start,
       now() + interval '5 minutes'
  from public.api_rate_limits r where r.provider_name = 't_rolled';

-- A new minute: another request rolls the minute window over.
select isnt(public.acquire_api_capacity('t_rolled', 'ep', 300), null, 'a request in the new minute');
select is((r.current_tokens_minute, r.current_tokens_hour), (300, 1300), 'minute rolled, hour kept')
  from public.api_rate_limits r where r.provider_name = 't_rolled';

select is(public.release_api_capacity('00000000-0000-4000-8000-00000000b001', 5000), true, 'the old lease is released');
select is(r.current_tokens_minute, 300, 'the rolled-over minute window is not touched')
  from public.api_rate_limits r where r.provider_name = 't_rolled';
select is(r.current_tokens_hour, 5300, 'the still-current hour window gets the delta (5000 - 1000)')
  from public.api_rate_limits r where r.provider_name = 't_rolled';
select is(r.active_requests, 1, 'the slot is freed')
  from public.api_rate_limits r where r.provider_name = 't_rolled';

select * from finish();
rollback;
