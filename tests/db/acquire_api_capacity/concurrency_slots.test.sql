-- concurrent_requests caps the slots held at once; a release frees one.
begin;
select plan(7);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, concurrent_requests)
values ('t_conc', 'ep', 100, 3);

create temp table held (lease_id uuid);
insert into held select public.acquire_api_capacity('t_conc', 'ep', 1);
insert into held select public.acquire_api_capacity('t_conc', 'ep', 1);
insert into held select public.acquire_api_capacity('t_conc', 'ep', 1);

select is((select count(*)::integer from held where lease_id is not null), 3, 'three slots granted');
select is(r.active_requests, 3, 'active_requests = 3')
  from public.api_rate_limits r where r.provider_name = 't_conc';
select is(public.acquire_api_capacity('t_conc', 'ep', 1), null, 'a fourth concurrent request is refused');
select is(r.rate_limit_violations, 1, 'the refusal is a violation')
  from public.api_rate_limits r where r.provider_name = 't_conc';

select ok(public.release_api_capacity((select lease_id from held limit 1), 1), 'one slot released');
select isnt(public.acquire_api_capacity('t_conc', 'ep', 1), null, 'after a release a request is granted again');
select is(r.active_requests, 3, 'active_requests back at 3')
  from public.api_rate_limits r where r.provider_name = 't_conc';

select * from finish();
rollback;
