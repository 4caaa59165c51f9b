-- Each error: its SQLSTATE and exact message, and nothing written.
begin;
select plan(5);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_rel_err', 'ep');
create temp table held as select public.acquire_api_capacity('t_rel_err', 'ep', 1000) as lease_id;
create temp table before_rows as select * from public.api_rate_limits;
create temp table before_leases as select * from public.api_capacity_leases;

select throws_ok($$select public.release_api_capacity(null)$$, '22023',
  'release_api_capacity: p_lease_id must not be null', 'null lease id');
select throws_ok($$select public.release_api_capacity((select lease_id from held), -1)$$, '22023',
  'release_api_capacity: p_actual_tokens must be a non-negative integer', 'negative actual tokens');
select throws_ok($$select public.release_api_capacity('00000000-0000-4000-8000-0000000000ee', -5)$$, '22023',
  'release_api_capacity: p_actual_tokens must be a non-negative integer', 'negative actual tokens on an unknown lease');

select set_eq('select * from public.api_rate_limits', 'select * from before_rows', 'no rate limit row changed');
select set_eq('select * from public.api_capacity_leases', 'select * from before_leases', 'the lease is still held');

select * from finish();
rollback;
