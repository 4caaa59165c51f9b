-- Utilization moves with acquire and release.
begin;
select plan(4);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, concurrent_requests)
values ('t_util_live', 'ep', 10, 4);

select is(private.rate_limit_utilization('t_util_live', 'ep'), 0::numeric, 'idle: 0');
create temp table held as select public.acquire_api_capacity('t_util_live', 'ep', 0) as lease_id;
insert into held select public.acquire_api_capacity('t_util_live', 'ep', 0);
select is(private.rate_limit_utilization('t_util_live', 'ep'), 0.5, 'two of four slots: 0.5');
select public.release_api_capacity(lease_id) from held;
select is(private.rate_limit_utilization('t_util_live', 'ep'), 0.2, 'slots freed; two of ten requests this minute: 0.2');
update public.api_rate_limits set minute_window_start = date_trunc('minute', now()) - interval '1 minute',
                                  hour_window_start = date_trunc('hour', now()) - interval '1 hour'
 where provider_name = 't_util_live';
select is(private.rate_limit_utilization('t_util_live', 'ep'), 0::numeric, 'next minute: 0');

select * from finish();
rollback;
