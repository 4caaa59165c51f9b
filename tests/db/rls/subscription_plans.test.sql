-- RLS on public.subscription_plans: the plan catalogue is readable by signed-in users,
-- written by the service role only; anon reads nothing.
begin;
select plan(9);

select tests.create_user_with_profile('rls_sp_alice');

select ok((select relrowsecurity from pg_class where oid = 'public.subscription_plans'::regclass), 'RLS is enabled on subscription_plans');
select policies_are('public', 'subscription_plans', array['subscription_plans_select'], 'one policy: select');

select tests.authenticate_as('rls_sp_alice');
select set_eq($$select plan_type from public.subscription_plans$$,
  array['free', 'basic', 'premium', 'family', 'enterprise'], 'a user reads the whole catalogue');
select throws_ok($$update public.subscription_plans set monthly_pages_limit = null where plan_type = 'free'$$,
  '42501', 'permission denied for table subscription_plans', 'a user cannot lift a limit');
select throws_ok($$insert into public.subscription_plans (plan_type, display_name) values ('basic', 'x')$$,
  '42501', 'permission denied for table subscription_plans', 'nor insert a plan');
select throws_ok($$delete from public.subscription_plans$$,
  '42501', 'permission denied for table subscription_plans', 'nor delete one');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.subscription_plans$$, '42501', 'permission denied for table subscription_plans', 'anon cannot read plans');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok($$update public.subscription_plans set price_cents = price_cents where plan_type = 'free'$$, 'the service role writes plans');
select tests.clear_authentication();

select is((select monthly_pages_limit from public.subscription_plans where plan_type = 'free'), 100, 'the free plan''s limit is unchanged');

select * from finish();
rollback;
