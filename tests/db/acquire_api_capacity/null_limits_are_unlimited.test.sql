-- A NULL limit is unlimited; only the configured ones refuse.
begin;
select plan(4);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_unlim', 'ep');
insert into public.api_rate_limits (provider_name, api_endpoint, current_requests_minute, current_requests_hour,
  current_tokens_minute, current_tokens_hour, active_requests, minute_window_start, hour_window_start)
values ('t_unlim_busy', 'ep', 100000, 1000000, 100000000, 1000000000, 10000,
        date_trunc('minute', now()), date_trunc('hour', now()));

select isnt(public.acquire_api_capacity('t_unlim', 'ep', 2000000000), null, 'no limits: any estimate is granted');
select isnt(public.acquire_api_capacity('t_unlim_busy', 'ep', 1000), null, 'no limits: any load is granted');
select is((r.current_requests_minute, r.current_requests_hour, r.active_requests), (100001, 1000001, 10001),
  'and still counted')
  from public.api_rate_limits r where r.provider_name = 't_unlim_busy';
select is(r.rate_limit_violations, 0, 'no violations')
  from public.api_rate_limits r where r.provider_name = 't_unlim_busy';

select * from finish();
rollback;
