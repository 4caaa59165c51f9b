-- is_service_role(): true for the service role (JWT role claim, or the database role
-- itself), false for anon, authenticated, a forged claim without the role, and postgres
-- without claims. Callable by everyone (it reveals nothing).
begin;
select plan(9);

select tests.create_supabase_user('isr_user');

select tests.authenticate_as_service_role();
select is(public.is_service_role(), true, 'service_role with its JWT claim');
select tests.clear_authentication();

set local role service_role;
select is(public.is_service_role(), true, 'the service_role database role without claims');
reset role;

select tests.authenticate_as('isr_user');
select is(public.is_service_role(), false, 'an authenticated user');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select is(public.is_service_role(), false, 'anon (callable, answers false)');
select tests.clear_authentication();

select is(public.is_service_role(), false, 'postgres without claims');

-- A claim naming service_role is believed (PostgREST only sets claims from a verified JWT)...
select set_config('request.jwt.claims', '{"role": "service_role"}', true);
select is(public.is_service_role(), true, 'postgres with a service_role claim (what PostgREST sets from a verified key)');
-- ...but any other claim is not.
select set_config('request.jwt.claims', '{"role": "authenticated", "sub": "00000000-0000-4000-8000-000000000000"}', true);
select is(public.is_service_role(), false, 'a user claim is not the service role');
select tests.clear_authentication();

select ok(has_function_privilege('anon', 'public.is_service_role()', 'execute')
          and has_function_privilege('authenticated', 'public.is_service_role()', 'execute')
          and has_function_privilege('service_role', 'public.is_service_role()', 'execute'),
  'executable by anon, authenticated and service_role');
select is((select prosecdef from pg_proc where oid = 'public.is_service_role()'::regprocedure), false,
  'security invoker: it must see the caller''s own role');

select * from finish();
rollback;
