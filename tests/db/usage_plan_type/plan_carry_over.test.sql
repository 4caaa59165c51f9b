-- A profile's plan: its current cycle row's, else its latest earlier row's, else 'free'.
-- A row for a future cycle does not apply yet.
begin;
select plan(5);

select set_config('fix.p', tests.create_user_with_profile('upt_p')::text, true);
select is(private.usage_plan_type(current_setting('fix.p')::uuid), 'free', 'no rows: free');

insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'basic' from private.billing_cycle(now() - interval '3 months') c;
insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'family' from private.billing_cycle(now() - interval '1 month') c;
select is(private.usage_plan_type(current_setting('fix.p')::uuid), 'family', 'the latest earlier row''s plan');

insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'enterprise' from private.billing_cycle(now() + interval '1 month') c;
select is(private.usage_plan_type(current_setting('fix.p')::uuid), 'family', 'a future cycle''s row does not apply yet');

insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'premium' from private.billing_cycle(now()) c;
select is(private.usage_plan_type(current_setting('fix.p')::uuid), 'premium', 'the current row''s plan');

select ok(not has_function_privilege('authenticated', 'private.usage_plan_type(uuid)', 'execute')
          and not has_function_privilege('anon', 'private.usage_plan_type(uuid)', 'execute'),
  'internal: no client may execute it');

select * from finish();
rollback;
