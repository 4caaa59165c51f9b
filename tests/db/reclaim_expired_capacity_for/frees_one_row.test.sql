-- The per-row reclaimer (used by acquire) frees only its own row's expired slots.
begin;
select plan(5);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_one', 'a'), ('t_one', 'b');
select public.acquire_api_capacity('t_one', 'a', 1);
select public.acquire_api_capacity('t_one', 'a', 1);
select public.acquire_api_capacity('t_one', 'b', 1);
update public.api_capacity_leases l set expires_at = now() - interval '1 minute'
  from public.api_rate_limits r where r.id = l.rate_limit_id and r.provider_name = 't_one';

select is(private.reclaim_expired_capacity_for((select id from public.api_rate_limits where provider_name = 't_one' and api_endpoint = 'a')),
  2, 'row a: two slots freed');
select is(r.active_requests, 0, 'row a is free')
  from public.api_rate_limits r where r.provider_name = 't_one' and r.api_endpoint = 'a';
select is(r.active_requests, 1, 'row b is untouched')
  from public.api_rate_limits r where r.provider_name = 't_one' and r.api_endpoint = 'b';
select is(private.reclaim_expired_capacity_for('00000000-0000-4000-8000-0000000000dd'), 0, 'an unknown row: 0');

select tests.authenticate_as_service_role();
select throws_ok($$select private.reclaim_expired_capacity_for('00000000-0000-4000-8000-0000000000dd')$$, '42501',
  'permission denied for schema private', 'not callable by clients (private schema)');

select * from finish();
rollback;
