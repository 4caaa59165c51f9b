-- The status: the current cycle's counters (zeros before anything is recorded), the
-- plan's limits (null = unlimited), within_limits per limit (used <= limit) and overall,
-- and the two feature flags. Earlier cycles do not count; their plan carries over.
begin;
select plan(17);

select set_config('fix.p', tests.create_user_with_profile('ustat_lim')::text, true);

-- NOTHING RECORDED
select is(private.usage_status(current_setting('fix.p')::uuid),
  jsonb_build_object(
    'profile_id', current_setting('fix.p')::uuid,
    'plan_type', 'free',
    'billing_cycle_start', date_trunc('month', now() at time zone 'UTC') at time zone 'UTC',
    'billing_cycle_end', (date_trunc('month', now() at time zone 'UTC') + interval '1 month') at time zone 'UTC',
    'usage', '{"shell_files_uploaded": 0, "total_pages_processed": 0, "total_file_size_mb": 0, "ai_tokens_used": 0, "ai_processing_jobs": 0, "ai_processing_seconds": 0}'::jsonb,
    'limits', '{"shell_files": 10, "pages": 100, "ai_tokens": 50000, "storage_mb": 100}'::jsonb,
    'within_limits', '{"shell_files": true, "pages": true, "ai_tokens": true, "storage_mb": true, "all": true}'::jsonb,
    'limits_enforced', false,
    'usage_tracking_enabled', true),
  'no usage yet: zeros, the free plan''s limits, within all of them, the flags');
select is((select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.p')::uuid), 0::bigint,
  'reading the status writes nothing');

-- EXACTLY AT EVERY LIMIT: still within
insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type,
  shell_files_uploaded, total_pages_processed, total_file_size_mb, ai_tokens_used, ai_processing_jobs, ai_processing_seconds)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'free', 10, 100, 100, 50000, 3, 60
  from private.billing_cycle(now()) c;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": true, "pages": true, "ai_tokens": true, "storage_mb": true, "all": true}'::jsonb,
  'used = limit is within the limit');
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'usage',
  '{"shell_files_uploaded": 10, "total_pages_processed": 100, "total_file_size_mb": 100.000000, "ai_tokens_used": 50000, "ai_processing_jobs": 3, "ai_processing_seconds": 60}'::jsonb,
  'the counters are the current row''s');

-- ONE OVER, one limit at a time
update public.user_usage_tracking set shell_files_uploaded = 11 where profile_id = current_setting('fix.p')::uuid;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": false, "pages": true, "ai_tokens": true, "storage_mb": true, "all": false}'::jsonb, 'files over');
update public.user_usage_tracking set shell_files_uploaded = 10, total_pages_processed = 101 where profile_id = current_setting('fix.p')::uuid;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": true, "pages": false, "ai_tokens": true, "storage_mb": true, "all": false}'::jsonb, 'pages over');
update public.user_usage_tracking set total_pages_processed = 100, ai_tokens_used = 50001 where profile_id = current_setting('fix.p')::uuid;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": true, "pages": true, "ai_tokens": false, "storage_mb": true, "all": false}'::jsonb, 'tokens over');
update public.user_usage_tracking set ai_tokens_used = 50000, total_file_size_mb = 100.000001 where profile_id = current_setting('fix.p')::uuid;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": true, "pages": true, "ai_tokens": true, "storage_mb": false, "all": false}'::jsonb, 'storage over by a byte''s worth');

-- ENTERPRISE: no limits
update public.user_usage_tracking set plan_type = 'enterprise', shell_files_uploaded = 1000000, ai_tokens_used = 999999999
 where profile_id = current_setting('fix.p')::uuid;
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'limits',
  '{"shell_files": null, "pages": null, "ai_tokens": null, "storage_mb": null}'::jsonb, 'enterprise: every limit null (unlimited)');
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'within_limits',
  '{"shell_files": true, "pages": true, "ai_tokens": true, "storage_mb": true, "all": true}'::jsonb, 'and always within');
select is(private.usage_status(current_setting('fix.p')::uuid) ->> 'plan_type', 'enterprise', 'the plan is the row''s');

-- FLAGS
update public.system_configuration set config_value = 'true' where config_key = 'features.usage_limits_enforced';
update public.system_configuration set config_value = 'false' where config_key = 'features.usage_tracking';
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'limits_enforced', 'true'::jsonb, 'limits_enforced follows its flag');
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'usage_tracking_enabled', 'false'::jsonb, 'usage_tracking_enabled follows its flag');
delete from public.system_configuration where config_key = 'features.usage_limits_enforced';
select is(private.usage_status(current_setting('fix.p')::uuid) -> 'limits_enforced', 'false'::jsonb, 'a missing flag means not enforced');

-- EARLIER CYCLES: counters do not count, the plan carries over
delete from public.user_usage_tracking where profile_id = current_setting('fix.p')::uuid;
insert into public.user_usage_tracking (profile_id, billing_cycle_start, billing_cycle_end, plan_type,
  shell_files_uploaded, total_pages_processed, ai_tokens_used)
select current_setting('fix.p')::uuid, c.cycle_start, c.cycle_end, 'premium', 400, 4000, 2000000
  from private.billing_cycle(now() - interval '1 month') c;
select is(private.usage_status(current_setting('fix.p')::uuid) #>> '{usage,shell_files_uploaded}', '0',
  'last month''s uploads are not this month''s');
select is(private.usage_status(current_setting('fix.p')::uuid) ->> 'plan_type', 'premium', 'last month''s plan applies');
select is(private.usage_status(current_setting('fix.p')::uuid) #>> '{limits,shell_files}', '500', 'with its limits');

select * from finish();
rollback;
