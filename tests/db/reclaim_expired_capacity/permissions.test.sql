-- Permission matrix: only service_role (and pg_cron, as the owner) may run the sweeper.
begin;
select plan(4);

select tests.create_user_with_profile('reclaim_perm_user');

select tests.authenticate_as_anon();
select throws_ok($$select public.reclaim_expired_capacity()$$, '42501',
  'permission denied for function reclaim_expired_capacity', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('reclaim_perm_user');
select throws_ok($$select public.reclaim_expired_capacity()$$, '42501',
  'permission denied for function reclaim_expired_capacity', 'an authenticated user is refused');

select tests.clear_authentication();
insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_reclaim_perm', 'ep');
select public.acquire_api_capacity('t_reclaim_perm', 'ep', 1);
update public.api_capacity_leases l set expires_at = now() - interval '1 minute'
  from public.api_rate_limits r where r.id = l.rate_limit_id and r.provider_name = 't_reclaim_perm';

select tests.authenticate_as_service_role();
select cmp_ok(public.reclaim_expired_capacity(), '>=', 1, 'service_role runs the sweeper');

select tests.clear_authentication();
select is(r.active_requests, 0, 'and the slot is freed')
  from public.api_rate_limits r where r.provider_name = 't_reclaim_perm';

select * from finish();
rollback;
