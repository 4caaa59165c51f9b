-- Each error: its SQLSTATE and exact message, and nothing written.
begin;
select plan(12);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute)
values ('t_err', 'ep', 10);
insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute, status)
values ('t_err', 'off', 10, 'maintenance'), ('t_err', 'disabled', 10, 'disabled');

create temp table before_rows as select * from public.api_rate_limits;
create temp table before_leases as select * from public.api_capacity_leases;

select throws_ok($$select public.acquire_api_capacity('', 'ep')$$, '22023',
  'acquire_api_capacity: p_provider_name must not be empty', 'empty provider');
select throws_ok($$select public.acquire_api_capacity(null, 'ep')$$, '22023',
  'acquire_api_capacity: p_provider_name must not be empty', 'null provider');
select throws_ok($$select public.acquire_api_capacity('t_err', '  ')$$, '22023',
  'acquire_api_capacity: p_api_endpoint must not be empty', 'blank endpoint');
select throws_ok($$select public.acquire_api_capacity('t_err', 'ep', null)$$, '22023',
  'acquire_api_capacity: p_estimated_tokens must be a non-negative integer', 'null estimate');
select throws_ok($$select public.acquire_api_capacity('t_err', 'ep', -1)$$, '22023',
  'acquire_api_capacity: p_estimated_tokens must be a non-negative integer', 'negative estimate');
select throws_ok($$select public.acquire_api_capacity('nope', 'nothing')$$, 'P0002',
  'acquire_api_capacity: no active rate limit for nope:nothing', 'unknown provider/endpoint');
select throws_ok($$select public.acquire_api_capacity('t_err', 'nothing')$$, 'P0002',
  'acquire_api_capacity: no active rate limit for t_err:nothing', 'known provider, unknown endpoint');
select throws_ok($$select public.acquire_api_capacity('t_err', 'off')$$, 'P0002',
  'acquire_api_capacity: no active rate limit for t_err:off', 'endpoint in maintenance');
select throws_ok($$select public.acquire_api_capacity('t_err', 'disabled')$$, 'P0002',
  'acquire_api_capacity: no active rate limit for t_err:disabled', 'disabled endpoint');
select throws_ok($$select public.acquire_api_capacity('t_err', 'ep', 10, '00000000-0000-4000-8000-0000000000ff')$$, 'P0002',
  'acquire_api_capacity: p_job_id does not name a job', 'unknown job');

select set_eq('select * from public.api_rate_limits', 'select * from before_rows',
  'no rate limit row changed (no counter, no violation)');
select set_eq('select * from public.api_capacity_leases', 'select * from before_leases',
  'no lease written');

select * from finish();
rollback;
