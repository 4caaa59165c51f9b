-- Permission matrix: only service_role may call release_api_capacity.
begin;
select plan(6);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_rel_perm', 'ep');
create temp table held as select public.acquire_api_capacity('t_rel_perm', 'ep', 1000) as lease_id;
grant select on held to anon, authenticated, service_role;
select tests.create_user_with_profile('release_perm_user');
select tests.create_user_with_profile('release_perm_other');

select tests.authenticate_as_anon();
select throws_ok($$select public.release_api_capacity((select lease_id from held), 1)$$, '42501',
  'permission denied for function release_api_capacity', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('release_perm_user');
select throws_ok($$select public.release_api_capacity((select lease_id from held), 1)$$, '42501',
  'permission denied for function release_api_capacity', 'an authenticated user is refused');

select tests.clear_authentication();
select tests.authenticate_as('release_perm_other');
select throws_ok($$select public.release_api_capacity((select lease_id from held))$$, '42501',
  'permission denied for function release_api_capacity', 'another authenticated user is refused');

select tests.clear_authentication();
select is(r.active_requests, 1, 'the refused calls freed nothing')
  from public.api_rate_limits r where r.provider_name = 't_rel_perm';

select tests.authenticate_as_service_role();
select is(public.release_api_capacity((select lease_id from held), 1), true, 'service_role releases');

select tests.clear_authentication();
select is(r.active_requests, 0, 'the slot is free')
  from public.api_rate_limits r where r.provider_name = 't_rel_perm';

select * from finish();
rollback;
