-- =============================================================================
-- 09 VERIFY (review 000): runs last. Checks that every key table, view,
-- function, policy, index, trigger, seed row and cron job of migrations 0100-0800
-- exists, that RLS is enabled on every table in public, that every SECURITY
-- DEFINER function in public/private pins its search_path, and that PUBLIC can
-- execute nothing there. Raises ONE error listing everything missing, so a broken
-- deployment says what to fix instead of failing later at a call site.
-- Changes nothing; re-running it is free.
-- =============================================================================

do $$
declare
  v_missing text[] := array[]::text[];
  v_name text;
begin
  -- TABLES AND VIEWS
  foreach v_name in array array[
    'public.system_configuration', 'public.audit_log', 'private.admin_users',            -- 0100
    'public.user_profiles', 'public.profile_access_grants',                              -- 0200
    'public.shell_files', 'public.shell_file_pages', 'public.page_entity_detections',    -- 0300
    'public.clinical_extractions', 'public.clinical_narratives',
    'public.job_lanes', 'public.job_queue', 'public.api_rate_limits',                    -- 0400
    'public.api_capacity_leases',
    'public.subscription_plans', 'public.user_usage_tracking', 'public.usage_events',    -- 0700
    'ops.queue_depth', 'ops.expired_leases', 'ops.dead_letters', 'ops.rate_limit_headroom' -- 0800
  ] loop
    if to_regclass(v_name) is null then
      v_missing := v_missing || ('table/view ' || v_name);
    end if;
  end loop;

  -- FUNCTIONS (full signatures)
  foreach v_name in array array[
    -- 0100 foundations
    'private.config_int(text, integer)',
    'private.config_bool(text, boolean)',
    'public.is_service_role()',
    'public.is_admin()',
    'private.refuse_audit_change()',
    'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)',
    -- 0200 profiles
    'public.has_profile_access(uuid, uuid)',
    -- 0500 rate limits
    'private.rate_limit_utilization(text, text)',
    'private.reclaim_expired_capacity_for(uuid)',
    'public.acquire_api_capacity(text, text, integer, uuid, text)',
    'public.release_api_capacity(uuid, integer)',
    'public.reclaim_expired_capacity()',
    -- 0600 job RPCs
    'private.job_lease_timeout()',
    'private.job_lease_held(text, text, timestamptz, text)',
    'public.enqueue_job_v3(text, text, jsonb, text, integer, timestamptz, text, uuid, uuid, integer)',
    'public.claim_next_jobs_v3(text, text[], text[], integer)',
    'public.claim_next_job_v3(text, text[], text[])',
    'public.update_job_heartbeat(uuid, text)',
    'public.checkpoint_job(uuid, text, jsonb)',
    'public.complete_jobs(uuid[], text, jsonb)',
    'public.complete_job(uuid, text, jsonb)',
    'public.reschedule_job(uuid, text, integer, text, boolean)',
    'public.fail_job(uuid, text, jsonb, boolean)',
    'public.retry_dead_letter(uuid, text)',
    'public.cancel_job(uuid, text)',
    'public.reclaim_expired_jobs()',
    -- 0700 usage
    'private.billing_cycle(timestamptz)',
    'private.usage_plan_type(uuid)',
    'private.add_usage(uuid, integer, integer, numeric, bigint, integer, bigint)',
    'private.usage_status(uuid)',
    'public.track_shell_file_upload_usage(uuid, uuid)',
    'public.track_ai_processing_usage(uuid, uuid, integer, integer)',
    'public.get_user_usage_status(uuid)'
  ] loop
    if to_regprocedure(v_name) is null then
      v_missing := v_missing || ('function ' || v_name);
    end if;
  end loop;

  -- POLICIES (table.policy)
  foreach v_name in array array[
    'user_profiles.user_profiles_select', 'user_profiles.user_profiles_insert_own',
    'user_profiles.user_profiles_update_own', 'user_profiles.user_profiles_delete_own',
    'profile_access_grants.profile_access_grants_select', 'profile_access_grants.profile_access_grants_owner_writes',
    'shell_files.shell_files_select', 'shell_file_pages.shell_file_pages_select',
    'page_entity_detections.page_entity_detections_select', 'clinical_extractions.clinical_extractions_select',
    'clinical_narratives.clinical_narratives_select',
    'subscription_plans.subscription_plans_select', 'user_usage_tracking.user_usage_tracking_select',
    'usage_events.usage_events_select'
  ] loop
    if not exists (select 1 from pg_catalog.pg_policies p
                    where p.schemaname = 'public'
                      and p.tablename = split_part(v_name, '.', 1)
                      and p.policyname = split_part(v_name, '.', 2)) then
      v_missing := v_missing || ('policy ' || v_name);
    end if;
  end loop;

  -- INDEXES: the hot paths and the keys that make duplicates impossible
  foreach v_name in array array[
    'public.job_queue_claim_idx', 'public.job_queue_lease_idx', 'public.job_queue_depth_idx',
    'public.job_queue_dead_letter_idx', 'public.job_lanes_one_default_idx',
    'public.api_rate_limits_provider_name_api_endpoint_key', 'public.api_capacity_leases_expiry_idx',
    'public.user_profiles_one_self_idx', 'public.profile_access_grants_profile_id_grantee_id_key',
    'public.shell_files_idempotency_key_key', 'public.shell_file_pages_pkey', 'public.page_entity_detections_pkey',
    'public.clinical_extractions_shell_file_id_page_number_item_index_key', 'public.clinical_narratives_shell_file_id_key',
    'public.audit_log_patient_idx', 'public.audit_log_job_idx',
    'public.user_usage_tracking_one_row_per_cycle', 'public.usage_events_once_per_shell_file',
    'public.usage_events_once_per_job'
  ] loop
    if to_regclass(v_name) is null then
      v_missing := v_missing || ('index ' || v_name);
    end if;
  end loop;

  -- TRIGGERS: the audit log is append-only
  foreach v_name in array array['audit_log_append_only', 'audit_log_no_truncate'] loop
    if not exists (select 1 from pg_catalog.pg_trigger t
                    where t.tgrelid = to_regclass('public.audit_log') and t.tgname = v_name and t.tgenabled <> 'D') then
      v_missing := v_missing || ('trigger public.audit_log.' || v_name || ' (enabled)');
    end if;
  end loop;

  -- SEEDS: the settings the RPCs read and the plans usage refers to
  foreach v_name in array array[
    'worker.timeout_seconds', 'worker.heartbeat_interval_seconds', 'worker.reclaim_jitter_max_seconds',
    'queue.default_max_retries', 'queue.retry_base_delay_seconds', 'queue.retry_max_delay_seconds',
    'queue.max_backpressure_delay_seconds', 'queue.sweep_batch_size', 'rate_limit.capacity_lease_seconds',
    'features.usage_tracking', 'features.usage_limits_enforced'
  ] loop
    if to_regclass('public.system_configuration') is not null
       and not exists (select 1 from public.system_configuration c where c.config_key = v_name) then
      v_missing := v_missing || ('system_configuration row ' || v_name);
    end if;
  end loop;
  if to_regclass('public.subscription_plans') is not null
     and (select count(*) from public.subscription_plans p
           where p.plan_type in ('free', 'basic', 'premium', 'family', 'enterprise')) <> 5 then
    v_missing := v_missing || 'subscription_plans rows free, basic, premium, family, enterprise'::text;
  end if;

  -- CRON JOBS (name and command)
  if to_regclass('cron.job') is null then
    v_missing := v_missing || 'extension pg_cron (cron.job)'::text;
  else
    foreach v_name in array array[
      'reclaim-expired-capacity=select public.reclaim_expired_capacity()',
      'reclaim-expired-jobs=select public.reclaim_expired_jobs()'
    ] loop
      if not exists (select 1 from cron.job j
                      where j.jobname = split_part(v_name, '=', 1)
                        and j.command = split_part(v_name, '=', 2)
                        and j.active) then
        v_missing := v_missing || ('cron job ' || split_part(v_name, '=', 1) || ' running "' || split_part(v_name, '=', 2) || '"');
      end if;
    end loop;
  end if;

  -- RLS: every table in public, not only the ones listed above
  for v_name in
    select 'public.' || quote_ident(c.relname)
      from pg_catalog.pg_class c
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p')
       and not c.relrowsecurity
     order by 1
  loop
    v_missing := v_missing || ('row level security on ' || v_name);
  end loop;

  -- SECURITY DEFINER functions pin search_path; PUBLIC executes nothing (public, private)
  for v_name in
    select p.oid::regprocedure::text
      from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and p.prosecdef
       and not ('search_path=pg_catalog, pg_temp' = any (coalesce(p.proconfig, array[]::text[])))
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
     order by 1
  loop
    v_missing := v_missing || ('set search_path = pg_catalog, pg_temp on security definer function ' || v_name);
  end loop;
  for v_name in
    select p.oid::regprocedure::text
      from pg_catalog.pg_proc p
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and exists (select 1 from pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
                    where a.grantee = 0 and a.privilege_type = 'EXECUTE')
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
     order by 1
  loop
    v_missing := v_missing || ('revoke execute from PUBLIC on ' || v_name);
  end loop;

  if cardinality(v_missing) > 0 then
    raise exception '20261122000900_verify: % problem(s): %', cardinality(v_missing), array_to_string(v_missing, '; ')
      using hint = 'Apply the migrations in order (supabase/migrations); each item names what is missing or wrong.';
  end if;
end
$$;
