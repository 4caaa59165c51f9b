-- tokens_per_minute and tokens_per_hour admit an estimate that reaches the limit
-- exactly and refuse one token more.
begin;
select plan(10);

insert into public.api_rate_limits (provider_name, api_endpoint, tokens_per_minute, tokens_per_hour,
  current_tokens_minute, current_tokens_hour, minute_window_start, hour_window_start)
values ('t_tpm', 'ep', 5000, 1000000, 4000, 4000, date_trunc('minute', now()), date_trunc('hour', now()));

select is(public.acquire_api_capacity('t_tpm', 'ep', 1001), null, 'an estimate past tokens_per_minute is refused');
select isnt(public.acquire_api_capacity('t_tpm', 'ep', 1000), null, 'an estimate reaching tokens_per_minute exactly is granted');
select is(public.acquire_api_capacity('t_tpm', 'ep', 1), null, 'then a single token more is refused');
select is(r.current_tokens_minute, 5000, 'refused estimates are not counted')
  from public.api_rate_limits r where r.provider_name = 't_tpm';
select is(r.rate_limit_violations, 2, 'each refusal is a violation')
  from public.api_rate_limits r where r.provider_name = 't_tpm';

insert into public.api_rate_limits (provider_name, api_endpoint, tokens_per_minute, tokens_per_hour,
  current_tokens_minute, current_tokens_hour, minute_window_start, hour_window_start)
values ('t_tph', 'ep', 100000, 20000, 0, 19000,
        date_trunc('minute', now()) - interval '1 minute', date_trunc('hour', now()));

select is(public.acquire_api_capacity('t_tph', 'ep', 1001), null, 'an estimate past tokens_per_hour is refused');
select isnt(public.acquire_api_capacity('t_tph', 'ep', 1000), null, 'an estimate reaching tokens_per_hour exactly is granted');
select is(public.acquire_api_capacity('t_tph', 'ep', 1), null, 'then a single token more is refused');
select is((r.current_tokens_minute, r.current_tokens_hour), (1000, 20000),
  'hour tokens count across minutes; the minute holds only this minute''s')
  from public.api_rate_limits r where r.provider_name = 't_tph';
select isnt(public.acquire_api_capacity('t_tph', 'ep', 0), null, 'an estimate of 0 tokens still fits a full token window');

select * from finish();
rollback;
