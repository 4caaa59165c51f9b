-- add_usage creates the cycle's row on first use (with the plan carried from the latest
-- earlier cycle) and adds to it afterwards; it never touches another cycle's row.
begin;
select plan(6);

select set_config('fix.p', tests.create_user_with_profile('addu_p')::text, true);
insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type, shell_files_uploaded)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'basic', 50 from private.billing_cycle(now() - interval '1 month') c;

select private.add_usage(current_setting('fix.p')::uuid, 1, 10, 1.5, 100, 1, 20);
select results_eq(
  $$select billing_cycle_start, billing_cycle_end, plan_type, shell_files_uploaded, total_pages_processed,
           total_file_size_mb, ai_tokens_used, ai_processing_jobs, ai_processing_seconds
      from public.user_usage_tracking
     where profile_id = current_setting('fix.p')::uuid and billing_cycle_start = (select cycle_start from private.billing_cycle(now()))$$,
  $$select c.cycle_start, c.cycle_end, 'basic'::text, 1, 10, 1.5::numeric(16, 6), 100::bigint, 1, 20::bigint from private.billing_cycle(now()) c$$,
  'first use: the current cycle''s row, with last cycle''s plan and the amounts');

select private.add_usage(current_setting('fix.p')::uuid, 2, 5, 0.25, 1000, 3, 7);
select results_eq(
  $$select shell_files_uploaded, total_pages_processed, total_file_size_mb, ai_tokens_used, ai_processing_jobs, ai_processing_seconds
      from public.user_usage_tracking
     where profile_id = current_setting('fix.p')::uuid and billing_cycle_start = (select cycle_start from private.billing_cycle(now()))$$,
  $$values (3, 15, 1.75::numeric(16, 6), 1100::bigint, 4, 27::bigint)$$,
  'second use: added, not replaced');
select is((select shell_files_uploaded from public.user_usage_tracking
            where profile_id = current_setting('fix.p')::uuid and billing_cycle_start < (select cycle_start from private.billing_cycle(now()))),
  50, 'last cycle''s row untouched');
select is((select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.p')::uuid), 2::bigint, 'two rows, one per cycle');

-- Changing the current row's plan sticks (add_usage never resets it).
update public.user_usage_tracking set plan_type = 'premium'
 where profile_id = current_setting('fix.p')::uuid and billing_cycle_start = (select cycle_start from private.billing_cycle(now()));
select private.add_usage(current_setting('fix.p')::uuid, 1, 0, 0, 0, 0, 0);
select is((select plan_type from public.user_usage_tracking
            where profile_id = current_setting('fix.p')::uuid and billing_cycle_start = (select cycle_start from private.billing_cycle(now()))),
  'premium', 'an existing row keeps its plan');

select ok(not has_function_privilege('authenticated', 'private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint)', 'execute')
          and not has_function_privilege('service_role', 'private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint)', 'execute'),
  'internal: no client (not even service_role) may execute it');

select * from finish();
rollback;
