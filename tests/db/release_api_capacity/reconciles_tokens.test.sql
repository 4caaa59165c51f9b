-- Release frees the slot and reconciles tokens against the estimate recorded at
-- acquire (review 001): delta = actual - estimate in both token windows. NULL
-- actual keeps the estimate. The lease is deleted.
begin;
select plan(14);

insert into public.api_rate_limits (provider_name, api_endpoint, tokens_per_minute, tokens_per_hour)
values ('t_rec', 'ep', 100000, 1000000);

create temp table held (n integer, lease_id uuid);
insert into held select 1, public.acquire_api_capacity('t_rec', 'ep', 1000);
insert into held select 2, public.acquire_api_capacity('t_rec', 'ep', 2500);
insert into held select 3, public.acquire_api_capacity('t_rec', 'ep', 400);
select is((r.current_tokens_minute, r.current_tokens_hour, r.active_requests), (3900, 3900, 3),
  'three estimates counted')
  from public.api_rate_limits r where r.provider_name = 't_rec';

-- Actual above the estimate: +600.
select is(public.release_api_capacity((select lease_id from held where n = 1), 1600), true, 'release returns true');
select is((r.current_tokens_minute, r.current_tokens_hour), (4500, 4500),
  'actual above the estimate adds the difference (1600 - 1000) to both windows')
  from public.api_rate_limits r where r.provider_name = 't_rec';
select is(r.active_requests, 2, 'the slot is freed')
  from public.api_rate_limits r where r.provider_name = 't_rec';
select is((select count(*)::integer from public.api_capacity_leases where id = (select lease_id from held where n = 1)), 0,
  'the lease is deleted');

-- Actual below the estimate: -2300 (the estimate of THIS lease, not a fixed 1000).
select is(public.release_api_capacity((select lease_id from held where n = 2), 200), true, 'second release returns true');
select is((r.current_tokens_minute, r.current_tokens_hour), (2200, 2200),
  'actual below the estimate subtracts the difference (2500 - 200) from both windows')
  from public.api_rate_limits r where r.provider_name = 't_rec';
select is(r.active_requests, 1, 'the second slot is freed')
  from public.api_rate_limits r where r.provider_name = 't_rec';

-- NULL actual: the estimate stands.
select is(public.release_api_capacity((select lease_id from held where n = 3)), true, 'release without actual tokens');
select is((r.current_tokens_minute, r.current_tokens_hour), (2200, 2200), 'a NULL actual keeps the estimate')
  from public.api_rate_limits r where r.provider_name = 't_rec';
select is(r.active_requests, 0, 'all slots freed')
  from public.api_rate_limits r where r.provider_name = 't_rec';

-- Request counters are not touched by release (a request was made).
select is((r.current_requests_minute, r.current_requests_hour), (3, 3), 'request counters are kept')
  from public.api_rate_limits r where r.provider_name = 't_rec';

-- Counters never go below 0 (e.g. an operator reset the counters meanwhile).
insert into held select 4, public.acquire_api_capacity('t_rec', 'ep', 1000);
update public.api_rate_limits set current_tokens_minute = 300, current_tokens_hour = 300 where provider_name = 't_rec';
select is(public.release_api_capacity((select lease_id from held where n = 4), 0), true, 'release with 0 actual tokens');
select is((r.current_tokens_minute, r.current_tokens_hour), (0, 0), 'token counters stop at 0')
  from public.api_rate_limits r where r.provider_name = 't_rec';

select * from finish();
rollback;
