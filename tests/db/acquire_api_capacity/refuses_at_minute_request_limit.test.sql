-- requests_per_minute refuses the request past the limit in the current minute;
-- the refusal counts a violation and changes no counter.
begin;
select plan(7);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, requests_per_hour)
values ('t_rpm', 'ep', 3, 1000);

select isnt(public.acquire_api_capacity('t_rpm', 'ep', 10), null, 'request 1 of 3 granted');
select isnt(public.acquire_api_capacity('t_rpm', 'ep', 10), null, 'request 2 of 3 granted');
select isnt(public.acquire_api_capacity('t_rpm', 'ep', 10), null, 'request 3 of 3 granted');
select is(public.acquire_api_capacity('t_rpm', 'ep', 10), null, 'request 4 refused by requests_per_minute');

select is((r.current_requests_minute, r.current_requests_hour, r.current_tokens_minute, r.active_requests),
          (3, 3, 30, 3), 'the refused request is not counted anywhere')
  from public.api_rate_limits r where r.provider_name = 't_rpm';
select is((select count(*)::integer from public.api_capacity_leases l
            join public.api_rate_limits r on r.id = l.rate_limit_id where r.provider_name = 't_rpm'), 3,
  'no lease for the refused request');
select is(r.rate_limit_violations, 1, 'the refusal is a violation')
  from public.api_rate_limits r where r.provider_name = 't_rpm';

select * from finish();
rollback;
