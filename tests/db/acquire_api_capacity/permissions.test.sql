-- Permission matrix: only service_role may call acquire_api_capacity.
begin;
select plan(5);

insert into public.api_rate_limits (provider_name, api_endpoint, requests_per_minute)
values ('t_perm', 'ep', 10);
select tests.create_user_with_profile('acquire_perm_user');
select tests.create_user_with_profile('acquire_perm_other');

select tests.authenticate_as_anon();
select throws_ok($$select public.acquire_api_capacity('t_perm', 'ep', 1)$$, '42501',
  'permission denied for function acquire_api_capacity', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('acquire_perm_user');
select throws_ok($$select public.acquire_api_capacity('t_perm', 'ep', 1)$$, '42501',
  'permission denied for function acquire_api_capacity', 'an authenticated user is refused');

select tests.clear_authentication();
select tests.authenticate_as('acquire_perm_other');
select throws_ok($$select public.acquire_api_capacity('t_perm', 'ep', 1, null, 'w')$$, '42501',
  'permission denied for function acquire_api_capacity', 'another authenticated user is refused');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select isnt(public.acquire_api_capacity('t_perm', 'ep', 1), null, 'service_role is granted a lease');

select tests.clear_authentication();
select is(r.current_requests_minute, 1, 'only the service_role call was counted')
  from public.api_rate_limits r where r.provider_name = 't_perm';

select * from finish();
rollback;
