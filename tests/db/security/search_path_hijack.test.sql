-- search_path hijack: what a SECURITY DEFINER function does must not depend on the caller's
-- search_path, whatever the caller planted on it.
--
-- 1. STATIC: every SECURITY DEFINER function in public, private and ops (not an extension's)
--    pins search_path to pg_catalog, pg_temp (proconfig); so does every other function there,
--    since RLS policies and definer bodies call them. Offenders are listed by signature.
-- 2. BEHAVIOUR: a representative run of the RPCs (intake, enqueue, claim, heartbeat, checkpoint,
--    capacity acquire/release, reschedule, complete, fail to the dead letter, audit events, the
--    user's status, usage and access checks), as service_role and as a user through the tests.*
--    helpers, three times:
--      clean: the session's own path, nothing planted;
--      h1:    search_path = hijack, public, extensions   (pg_catalog implicitly first);
--      h2:    search_path = hijack, pg_catalog, public, extensions   (pg_catalog explicitly
--             AFTER hijack: even built-ins resolve to the plants);
--    with, before h1 and h2, schema `hijack` holding lookalikes of what the RPCs use (now,
--    lower, btrim, length, gen_random_uuid, uuid_generate_v4, jsonb_build_object, uid, role,
--    has_profile_access, is_service_role, config_int, job_lease_held, and operators = on uuid
--    and text), functions of the same names in pg_temp, and temporary tables named like the
--    public tables (job_queue, shell_files, audit_log, ...) holding planted rows. Every plant
--    records being used in hijack.calls (temp tables: any write, by trigger). The hijacked runs
--    must answer and write exactly what the clean run did (ids aside: each run has its own
--    user), and hijack.calls must stay empty.
--    CONTROLS, so the plants are known to bite: an unpinned definer function does call them
--    under h1 and h2, and a real RPC whose search_path is reset (what a migration forgetting
--    `set search_path` would leave) calls them under h2.
-- 3. TYPES, and why not search_path = '': with an empty path PostgreSQL still searches pg_temp
--    FIRST for relation and type names (it puts the temporary schema before pg_catalog unless
--    the path lists it). All relations are schema-qualified, so temp tables cannot stand in for
--    ours (part 2); but a temporary table named like a type (uuid, jsonb, timestamptz) would
--    replace that type in unqualified casts and declarations, and a cast its creator adds
--    would then run the creator's function as the definer. The functions therefore pin
--    `search_path = pg_catalog, pg_temp` (pg_temp listed last is searched last). Checked here:
--    the login roles that could plant temporary objects and reach a definer function (the
--    reviewed ones); then, with every plpgsql function in public and private recompiled (plpgsql
--    resolves types when it compiles a function, once per session), service_role plants
--    temporary tables uuid, jsonb and timestamptz and casts on uuid that record their use, and
--    a run of RPCs must answer and write as it should with no plant used. CONTROL: a definer
--    function with search_path = '' does run the planted casts, as its owner.
begin;
select plan(24);

-- =============================================================================
-- 1. STATIC
-- =============================================================================
select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc p
     where p.pronamespace in (select n.oid from pg_catalog.pg_namespace n where n.nspname in ('public', 'private', 'ops'))
       and p.prosecdef
       and not ('search_path=pg_catalog, pg_temp' = any (coalesce(p.proconfig, array[]::text[])))
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  'every SECURITY DEFINER function in public, private and ops pins search_path = pg_catalog, pg_temp');
select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc p
     where p.pronamespace in (select n.oid from pg_catalog.pg_namespace n where n.nspname in ('public', 'private', 'ops'))
       and not ('search_path=pg_catalog, pg_temp' = any (coalesce(p.proconfig, array[]::text[])))
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  'so does every other function there (invokers run inside definer bodies and RLS policies)');
select cmp_ok((select count(*)::integer from pg_catalog.pg_proc p
                where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and p.prosecdef), '>=', 25,
  'the definer functions were found (the checks above are not vacuous)');

-- =============================================================================
-- 2. BEHAVIOUR
-- =============================================================================
select tests.create_user_with_profile('sph_clean') as clean_profile \gset
select tests.create_user_with_profile('sph_h1') as h1_profile \gset
select tests.create_user_with_profile('sph_h2') as h2_profile \gset
-- No other pending job of the scenario's type may be claimed instead of the run's own.
update public.job_queue set status = 'cancelled', worker_id = null, heartbeat_at = null
 where job_type = 'report_generation' and status in ('pending', 'processing');

create temp table results (world text, step text, value jsonb);
grant insert, select on results to public;

-- One run of the scenario, as service_role and then as the world's user, with `p_path` as the
-- caller's search_path during every RPC call. The helpers (tests.*) run on the normal path;
-- the function's own statements use nothing a plant could replace (no built-in it calls, no
-- = on uuid or text, strings built before the path is switched).
create function pg_temp.scenario(p_world text, p_path text) returns void language plpgsql as $fn$
declare
  v_normal text := pg_catalog.current_setting('search_path');
  v_ident text := 'sph_' || p_world;
  v_uid uuid := tests.get_supabase_uid('sph_' || p_world);
  v_profile uuid;
  v_path text;
  v_events jsonb;
  r record;
  v_file uuid;
  v_job uuid;
  v_job2 uuid;
  v_lease uuid;
  v_state text;
  v_message text;
begin
  select p.id into v_profile from public.user_profiles p where p.account_owner_id = v_uid;
  v_path := v_profile::text || '/hijack.pdf';

  -- SERVICE ROLE
  perform tests.authenticate_as_service_role();
  perform pg_catalog.set_config('search_path', p_path, true);
  select * into r from public.create_shell_file_job(v_uid, v_profile, v_path, 'Hijack.pdf', 'application/pdf', 1000, 2,
                                                     'sph-idempotency-key', 3000);
  v_file := r.shell_file_id;
  insert into pg_temp.results values (p_world, '01 create_shell_file_job', pg_catalog.to_jsonb(r));
  select * into r from public.enqueue_job_v3(job_type => 'report_generation', job_name => '  hijack job  ',
                                             job_payload => '{"k": 1}'::jsonb, priority => 7, patient_id => v_profile,
                                             max_retries => 2);
  v_job := r.job_id;
  insert into pg_temp.results values (p_world, '02 enqueue_job_v3', pg_catalog.to_jsonb(r));
  select * into r from public.claim_next_job_v3('sph-worker', array['report_generation']);
  insert into pg_temp.results values (p_world, '03 claim_next_job_v3', pg_catalog.to_jsonb(r));
  insert into pg_temp.results values
    (p_world, '04 update_job_heartbeat', pg_catalog.to_jsonb(public.update_job_heartbeat(v_job, 'sph-worker'))),
    (p_world, '05 update_job_heartbeat, another worker', pg_catalog.to_jsonb(public.update_job_heartbeat(v_job, 'sph-other'))),
    (p_world, '06 checkpoint_job', pg_catalog.to_jsonb(public.checkpoint_job(v_job, 'sph-worker', '{"step": 1}'::jsonb)));
  v_lease := public.acquire_api_capacity('google', 'vision-api', 10, v_job, 'sph-worker');
  insert into pg_temp.results values
    (p_world, '07 acquire_api_capacity', pg_catalog.to_jsonb(v_lease is not null)),
    (p_world, '08 release_api_capacity', pg_catalog.to_jsonb(public.release_api_capacity(v_lease, 5))),
    (p_world, '09 release_api_capacity again', pg_catalog.to_jsonb(public.release_api_capacity(v_lease, 5))),
    (p_world, '10 reschedule_job', pg_catalog.to_jsonb(public.reschedule_job(v_job, 'sph-worker', 30, 'hijack test', false)));
  update public.job_queue set scheduled_at = pg_catalog.now() - interval '1 second' where id operator(pg_catalog.=) v_job;
  select * into r from public.claim_next_job_v3('sph-worker', array['report_generation']);
  insert into pg_temp.results values
    (p_world, '11 claim_next_job_v3 again', pg_catalog.to_jsonb(r)),
    (p_world, '12 complete_job', pg_catalog.to_jsonb(public.complete_job(v_job, 'sph-worker', '{"done": true}'::jsonb)));
  select e.job_id into v_job2 from public.enqueue_job_v3(job_type => 'report_generation', job_name => 'hijack job 2',
                                                         job_payload => '{"k": 2}'::jsonb, patient_id => v_profile,
                                                         max_retries => 0) e;
  select * into r from public.claim_next_job_v3('sph-worker', array['report_generation']);
  insert into pg_temp.results values
    (p_world, '13 claim_next_job_v3 (job 2)', pg_catalog.to_jsonb(r)),
    (p_world, '14 fail_job', pg_catalog.to_jsonb(public.fail_job(v_job2, 'sph-worker', '{"code": "x", "message": "boom"}'::jsonb, true))),
    (p_world, '15 log_audit_event', pg_catalog.to_jsonb(public.log_audit_event('hijack_test', ' record-1 ', 'PROCESS', null,
                                                          '{"a": 1}'::jsonb, 'hijack test', 'system', v_profile, v_job) is not null)),
    (p_world, '16 get_processing_status (service)', public.get_processing_status(v_file));
  perform pg_catalog.set_config('search_path', v_normal, true);
  v_events := pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object(
    'table_name', 'shell_files', 'record_id', 'viewed', 'operation', 'ACCESS', 'patient_id', v_profile, 'job_id', v_job));
  perform pg_catalog.set_config('search_path', p_path, true);
  insert into pg_temp.results values
    (p_world, '17 log_audit_events', pg_catalog.to_jsonb(pg_catalog.array_length(public.log_audit_events(v_uid, v_events), 1)));
  perform pg_catalog.set_config('search_path', v_normal, true);
  perform tests.clear_authentication();

  -- THE USER
  perform tests.authenticate_as(v_ident);
  perform pg_catalog.set_config('search_path', p_path, true);
  insert into pg_temp.results values
    (p_world, '18 has_profile_access (own)', pg_catalog.to_jsonb(public.has_profile_access(v_uid, v_profile))),
    (p_world, '19 has_profile_access (another)', pg_catalog.to_jsonb(public.has_profile_access(v_uid, '00000000-0000-4000-8000-0000000000aa'))),
    (p_world, '20 get_processing_status', public.get_processing_status(v_file)),
    (p_world, '21 get_user_usage_status', public.get_user_usage_status(v_profile)),
    (p_world, '22 track_shell_file_upload_usage', public.track_shell_file_upload_usage(v_profile, v_file)),
    (p_world, '23 is_admin', pg_catalog.to_jsonb(public.is_admin())),
    (p_world, '24 is_service_role', pg_catalog.to_jsonb(public.is_service_role()));
  begin
    perform public.get_processing_status('00000000-0000-4000-8000-0000000000bb');
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
    insert into pg_temp.results values (p_world, '25 get_processing_status (unknown)', pg_catalog.to_jsonb(array[v_state, v_message]));
  end;
  begin
    perform public.log_audit_event('t', 'r', 'ACCESS');
  exception when others then
    get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
    insert into pg_temp.results values (p_world, '26 log_audit_event (as a user)', pg_catalog.to_jsonb(array[v_state, v_message]));
  end;
  perform pg_catalog.set_config('search_path', v_normal, true);
  perform tests.clear_authentication();
end
$fn$;

-- A run that fails records how, in place of its answers (the role and path it had switched to
-- are rolled back with it), so the comparisons below show the difference.
create function pg_temp.run_world(p_world text, p_path text) returns void language plpgsql as $$
declare
  v_state text;
  v_message text;
begin
  perform pg_temp.scenario(p_world, p_path);
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text;
  insert into pg_temp.results values (p_world, '00 the run failed', to_jsonb(array[v_state, v_message]));
end
$$;

-- Every UUID replaced by its order of first appearance: each run has its own user, profile,
-- file, jobs and rows, in the same places.
create function pg_temp.normalized(p_text text) returns text language plpgsql as $$
declare
  v_out text := p_text;
  v_id text;
  v_n integer := 0;
begin
  for v_id in
    select m.id from (select (regexp_matches(p_text, '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}', 'g'))[1] as id) m
  loop
    if position(v_id in v_out) > 0 then
      v_n := v_n + 1;
      v_out := replace(v_out, v_id, '<uuid ' || v_n || '>');
    end if;
  end loop;
  return v_out;
end
$$;
create function pg_temp.answers(p_world text) returns text language sql as $$
  select pg_temp.normalized(string_agg(r.step || ': ' || r.value::text, E'\n' order by r.step))
    from pg_temp.results r where r.world = p_world
$$;
-- What the run wrote: its user's shell file, jobs, audit events and usage (ids normalized; the
-- audit log's serial ids left out).
create function pg_temp.written(p_world text) returns text language sql as $$
  with who as (
    select p.id as profile from public.user_profiles p
     where p.account_owner_id = tests.get_supabase_uid('sph_' || p_world)
  )
  select pg_temp.normalized(jsonb_build_object(
    'shell_files', (select jsonb_agg(to_jsonb(f) order by f.created_at) from public.shell_files f, who where f.patient_id = who.profile),
    'job_queue', (select jsonb_agg(to_jsonb(j) order by j.job_type, j.job_name) from public.job_queue j, who where j.patient_id = who.profile),
    'audit_log', (select jsonb_agg(to_jsonb(a) - 'id' order by a.id) from public.audit_log a, who where a.patient_id = who.profile),
    'usage_events', (select jsonb_agg(to_jsonb(u) order by u.event_type) from public.usage_events u, who where u.profile_id = who.profile),
    'user_usage_tracking', (select jsonb_agg(to_jsonb(t)) from public.user_usage_tracking t, who where t.profile_id = who.profile),
    'capacity_leases_left', (select count(*) from public.api_capacity_leases l, public.job_queue j, who
                              where l.job_id = j.id and j.patient_id = who.profile))::text)
$$;

-- CLEAN RUN, nothing planted yet.
select pg_temp.run_world('clean', current_setting('search_path'));

-- THE PLANTS ------------------------------------------------------------------
create schema hijack;
create table hijack.calls (fn text not null, by_role text not null default current_user);
-- The names go in hijack.calls; every use also takes a number from hijack.uses, which no
-- rollback returns, so a use inside a statement that then failed still shows.
create sequence hijack.uses;
grant usage on schema hijack to public;
grant insert, select on hijack.calls to public;
grant usage on sequence hijack.uses to public;

-- Lookalikes: each records its use and returns something wrong.
create function hijack.now() returns timestamptz language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('now()'); return '2000-01-01 00:00:00+00'; end $$;
create function hijack.lower(text) returns text language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('lower(text)'); return 'hijacked'; end $$;
create function hijack.btrim(text) returns text language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('btrim(text)'); return 'hijacked'; end $$;
create function hijack.length(text) returns integer language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('length(text)'); return 1; end $$;
create function hijack.gen_random_uuid() returns uuid language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('gen_random_uuid()'); return '00000000-0000-4000-8000-00000000dead'; end $$;
create function hijack.uuid_generate_v4() returns uuid language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('uuid_generate_v4()'); return '00000000-0000-4000-8000-00000000dead'; end $$;
create function hijack.jsonb_build_object(variadic text[]) returns jsonb language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('jsonb_build_object(text[])'); return '{"hijacked": true}'; end $$;
create function hijack.uid() returns uuid language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('uid()'); return '00000000-0000-4000-8000-00000000dead'; end $$;
create function hijack.role() returns text language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('role()'); return 'service_role'; end $$;
create function hijack.has_profile_access(uuid, uuid) returns boolean language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('has_profile_access(uuid, uuid)'); return true; end $$;
create function hijack.is_service_role() returns boolean language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('is_service_role()'); return true; end $$;
create function hijack.config_int(text, integer) returns integer language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('config_int(text, integer)'); return 1; end $$;
create function hijack.job_lease_held(text, text, timestamptz, text) returns boolean language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('job_lease_held(...)'); return true; end $$;
create function hijack.uuid_eq(uuid, uuid) returns boolean language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('=(uuid, uuid)'); return true; end $$;
create operator hijack.= (leftarg = uuid, rightarg = uuid, function = hijack.uuid_eq);
create function hijack.text_eq(text, text) returns boolean language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values ('=(text, text)'); return true; end $$;
create operator hijack.= (leftarg = text, rightarg = text, function = hijack.text_eq);
create function hijack.log_dml() returns trigger language plpgsql set search_path = pg_catalog as $$
begin perform pg_catalog.nextval('hijack.uses'); insert into hijack.calls (fn) values (tg_op || ' on pg_temp.' || tg_table_name); return null; end $$;
-- The migrations take EXECUTE from PUBLIC by default; the plants must be callable by anyone.
grant execute on all functions in schema hijack to public;

-- pg_temp: functions of the same names (PostgreSQL never looks for functions there) ...
create function pg_temp.now() returns timestamptz language sql as $$ select '2000-01-01 00:00:00+00'::timestamptz $$;
create function pg_temp.lower(text) returns text language sql as $$ select 'hijacked'::text $$;
create function pg_temp.gen_random_uuid() returns uuid language sql as $$ select '00000000-0000-4000-8000-00000000dead'::uuid $$;
create function pg_temp.has_profile_access(uuid, uuid) returns boolean language sql as $$ select true $$;
-- ... and tables named like ours (it does look for relations there, first), with rows that
-- would change every answer if read, and a trigger recording any write.
create temp table job_queue (like public.job_queue including defaults);
insert into pg_temp.job_queue (job_type, job_lane, job_name, job_payload, priority) values ('report_generation', 'standard', 'planted', '{}', 10);
create temp table job_lanes as select * from public.job_lanes;
update pg_temp.job_lanes set api_provider = 'openai', api_endpoint = 'gpt-4-vision', is_default = (job_lane = 'priority');
create temp table system_configuration as select * from public.system_configuration;
update pg_temp.system_configuration set config_value = '1' where value_type = 'integer';
update pg_temp.system_configuration set config_value = 'false' where value_type = 'boolean';
create temp table api_rate_limits as select * from public.api_rate_limits;
update pg_temp.api_rate_limits set requests_per_minute = 1, concurrent_requests = 1, active_requests = 1, current_requests_minute = 1;
create temp table subscription_plans as select * from public.subscription_plans;
update pg_temp.subscription_plans set monthly_shell_files_limit = 0, monthly_pages_limit = 0;
create temp table user_profiles as select * from public.user_profiles;
update pg_temp.user_profiles set account_owner_id = tests.get_supabase_uid('sph_h1');
create temp table profile_access_grants (like public.profile_access_grants including defaults);
create temp table shell_files (like public.shell_files including defaults);
create temp table audit_log (like public.audit_log);
create temp table usage_events (like public.usage_events including defaults);
create temp table user_usage_tracking (like public.user_usage_tracking including defaults);
create temp table api_capacity_leases (like public.api_capacity_leases including defaults);
create temp table planted_before as
  select 'job_queue' as t, count(*) as n from pg_temp.job_queue union all select 'job_lanes', count(*) from pg_temp.job_lanes
  union all select 'system_configuration', count(*) from pg_temp.system_configuration
  union all select 'api_rate_limits', count(*) from pg_temp.api_rate_limits
  union all select 'user_profiles', count(*) from pg_temp.user_profiles;
do $$
declare
  v_table text;
begin
  foreach v_table in array array['job_queue', 'job_lanes', 'system_configuration', 'api_rate_limits', 'subscription_plans',
                                 'user_profiles', 'profile_access_grants', 'shell_files', 'audit_log', 'usage_events',
                                 'user_usage_tracking', 'api_capacity_leases'] loop
    execute format('grant all on pg_temp.%I to public', v_table);
    execute format('create trigger record_writes after insert or update or delete or truncate on pg_temp.%I
                    for each statement execute function hijack.log_dml()', v_table);
  end loop;
end
$$;

-- HIJACKED RUNS
select pg_temp.run_world('h1', 'hijack, public, extensions');
select pg_temp.run_world('h2', 'hijack, pg_catalog, public, extensions');

-- The clean run did what it should (so two runs failing alike cannot pass as "identical").
select is(
  (select jsonb_object_agg(r.step, r.value) from pg_temp.results r
    where r.world = 'clean' and r.step in ('04 update_job_heartbeat', '05 update_job_heartbeat, another worker',
          '06 checkpoint_job', '07 acquire_api_capacity', '08 release_api_capacity', '09 release_api_capacity again',
          '12 complete_job', '14 fail_job', '15 log_audit_event', '17 log_audit_events', '18 has_profile_access (own)',
          '19 has_profile_access (another)', '23 is_admin', '24 is_service_role')),
  '{"04 update_job_heartbeat": true, "05 update_job_heartbeat, another worker": false, "06 checkpoint_job": true,
    "07 acquire_api_capacity": true, "08 release_api_capacity": true, "09 release_api_capacity again": false,
    "12 complete_job": true, "14 fail_job": "dead_lettered", "15 log_audit_event": true, "17 log_audit_events": 1,
    "18 has_profile_access (own)": true, "19 has_profile_access (another)": false, "23 is_admin": false,
    "24 is_service_role": false}'::jsonb,
  'the clean run: each RPC answered as documented');
select is(
  (select jsonb_build_object('created', (select value -> 'created' from pg_temp.results where world = 'clean' and step = '01 create_shell_file_job'),
                             'claimed', (select value ->> 'job_id' from pg_temp.results where world = 'clean' and step = '03 claim_next_job_v3')
                                        = (select value ->> 'job_id' from pg_temp.results where world = 'clean' and step = '02 enqueue_job_v3'),
                             'unknown', (select value from pg_temp.results where world = 'clean' and step = '25 get_processing_status (unknown)'),
                             'as a user', (select value from pg_temp.results where world = 'clean' and step = '26 log_audit_event (as a user)'))),
  '{"created": true, "claimed": true, "unknown": ["P0002", "get_processing_status: shell file not found"],
    "as a user": ["42501", "permission denied for function log_audit_event"]}'::jsonb,
  'the clean run: intake created, the claim took the enqueued job, the refusals refused');
select is((select count(*)::integer from pg_temp.results where world = 'clean'), 26, 'the clean run recorded all 26 steps');

select is(pg_temp.answers('h1'), pg_temp.answers('clean'), 'h1 (hijack, public, extensions): every answer as in the clean run');
select is(pg_temp.answers('h2'), pg_temp.answers('clean'), 'h2 (hijack, pg_catalog, public, extensions): every answer as in the clean run');
select is(pg_temp.written('h1'), pg_temp.written('clean'), 'h1: the same rows written (shell file, jobs, audit, usage)');
select is(pg_temp.written('h2'), pg_temp.written('clean'), 'h2: the same rows written');
select is_empty($$select fn || ' as ' || by_role from hijack.calls$$,
  'no planted function, operator or temporary table was used by any RPC');
select is(pg_sequence_last_value('hijack.uses'), null, 'not even inside a statement that failed (hijack.uses was never taken)');
select set_eq($$select t, count(*) from (select 'job_queue' as t from pg_temp.job_queue union all select 'job_lanes' from pg_temp.job_lanes
                 union all select 'system_configuration' from pg_temp.system_configuration
                 union all select 'api_rate_limits' from pg_temp.api_rate_limits
                 union all select 'user_profiles' from pg_temp.user_profiles) x group by t$$,
  $$select t, n from planted_before$$, 'the planted temporary rows are as planted');

-- CONTROL 1: an unpinned SECURITY DEFINER function (what a migration without `set search_path`
-- would create) uses the plants: under h1 those named like public/extensions/auth functions,
-- under h2 the built-ins and operators too.
create function hijack.unpinned(p_id uuid, p_text text) returns jsonb language plpgsql security definer as $$
begin
  return pg_catalog.jsonb_build_array(now(), lower(p_text), btrim(p_text), length(p_text), gen_random_uuid(),
    uuid_generate_v4(), uid(), role(), has_profile_access(p_id, p_id), is_service_role(), config_int('x', 1),
    p_id = p_id, p_text = p_text);
end
$$;
grant execute on function hijack.unpinned(uuid, text) to public;
set local search_path = hijack, public, extensions;
do $$ begin perform hijack.unpinned('00000000-0000-4000-8000-000000000001', ' a '); end $$;
reset search_path;
select set_eq($$select distinct fn from hijack.calls$$,
  array['uuid_generate_v4()', 'uid()', 'role()', 'has_profile_access(uuid, uuid)', 'is_service_role()', 'config_int(text, integer)'],
  'control, h1: an unpinned definer function calls the lookalikes of public/extensions/auth functions');
delete from hijack.calls;
set local search_path = hijack, pg_catalog, public, extensions;
do $$ begin perform hijack.unpinned('00000000-0000-4000-8000-000000000001', ' a '); end $$;
reset search_path;
select set_eq($$select distinct fn from hijack.calls$$,
  array['now()', 'lower(text)', 'btrim(text)', 'length(text)', 'gen_random_uuid()', 'uuid_generate_v4()', 'uid()', 'role()',
        'has_profile_access(uuid, uuid)', 'is_service_role()', 'config_int(text, integer)', '=(uuid, uuid)', '=(text, text)'],
  'control, h2: and the built-ins and operators too');
delete from hijack.calls;

-- CONTROL 2: a real RPC that lost its pinned path is caught by this run (the plants may make it
-- fail: pg_temp.attempt swallows the error, hijack.uses keeps the evidence).
create function pg_temp.attempt(p_sql text) returns void language plpgsql as $$
begin
  execute p_sql;
exception when others then
  null;
end
$$;
grant execute on function pg_temp.attempt(text) to public;
select (value ->> 'shell_file_id') as control_file from pg_temp.results where world = 'clean' and step = '01 create_shell_file_job' \gset
select coalesce(pg_sequence_last_value('hijack.uses'), 0) as uses_before \gset
alter function public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid) reset search_path;
alter function public.get_processing_status(uuid) reset search_path;
select tests.authenticate_as_service_role();
set local search_path = hijack, pg_catalog, public, extensions;
select pg_temp.attempt($$select public.log_audit_event('hijack_test', 'record-2', 'PROCESS')$$);
select pg_temp.attempt(format('select public.get_processing_status(%L)', :'control_file'));
reset search_path;
select tests.clear_authentication();
select cmp_ok(pg_sequence_last_value('hijack.uses'), '>', :'uses_before'::bigint,
  'control: log_audit_event and get_processing_status with their search_path reset use the plants');
-- Pinned again (as the migrations leave them), since part 3 calls them.
alter function public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid) set search_path = pg_catalog, pg_temp;
alter function public.get_processing_status(uuid) set search_path = pg_catalog, pg_temp;
delete from hijack.calls;

-- =============================================================================
-- 3. TYPES: pg_temp comes last on the pinned path
-- =============================================================================
-- Who could try: a role that logs in, may create temporary objects, and can execute a definer
-- function in public or private itself or through a role it may become (SET ROLE).
select set_eq(
  $$select r.rolname::text
      from pg_catalog.pg_roles r
     where r.rolcanlogin
       and has_database_privilege(r.oid, current_database(), 'temporary')
       and exists (select 1 from pg_catalog.pg_proc p, pg_catalog.pg_roles m
                    where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
                      and p.prosecdef
                      and pg_has_role(r.oid, m.oid, 'member')
                      and has_function_privilege(m.oid, p.oid, 'execute'))$$,
  array[
    -- Owns every definer function: anything a function could do for it, it can do itself.
    'postgres',
    -- The superuser of the local cluster (hosted: Supabase's own); bypasses every check anyway.
    'supabase_admin',
    -- PostgREST's login: runs only the statements PostgREST generates for a request (no DDL,
    -- no temporary objects), as anon, authenticated or service_role.
    'authenticator',
    -- The Storage service's login: runs only Storage's own fixed statements.
    'supabase_storage_admin'
  ],
  'the login roles that could plant temporary objects and reach a definer function are the reviewed ones');

-- With an empty search_path, pg_temp would be searched first for type names: a temporary table
-- named uuid would replace the type in a definer function's declarations and casts, and a cast
-- its creator adds would run the creator's function with the definer's rights. Pinned to
-- pg_catalog, pg_temp, the built-in types are found first.
select (value ->> 'job_id') as control_job from pg_temp.results where world = 'clean' and step = '02 enqueue_job_v3' \gset
-- Everything below that runs while the plants exist names its types with their schema.
create temp table type_results (step pg_catalog.text, ok boolean, value pg_catalog.jsonb);
grant insert, select on pg_temp.type_results to public;
create function pg_temp.try_step(p_step pg_catalog.text, p_sql pg_catalog.text) returns void language plpgsql as $$
declare
  v_out pg_catalog.jsonb;
begin
  execute p_sql into v_out;
  insert into pg_temp.type_results (step, ok, value) values (p_step, true, v_out);
exception when others then
  insert into pg_temp.type_results (step, ok, value) values (p_step, false, pg_catalog.jsonb_build_array(sqlstate, sqlerrm));
end
$$;
grant execute on function pg_temp.try_step(text, text) to public;
-- The control: what a definer function with the empty path would do.
create function hijack.empty_path(p_text text) returns text language plpgsql security definer set search_path = '' as $$
begin
  return p_text::uuid::text;
end
$$;
grant execute on function hijack.empty_path(text) to public;
-- plpgsql resolves a function's types when it compiles it, once per session, and this session
-- has already called most RPCs: make every plpgsql function in public and private compile
-- afresh at its next call (a new pg_proc row; the cost is set to what it is).
do $$
declare
  r record;
begin
  for r in select p.oid::regprocedure as fn, p.procost
             from pg_catalog.pg_proc p join pg_catalog.pg_language l on l.oid = p.prolang
            where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace) and l.lanname = 'plpgsql' loop
    execute format('alter function %s cost %s', r.fn, r.procost);
  end loop;
end
$$;
select coalesce(pg_sequence_last_value('hijack.uses'), 0) as uses_before_types \gset

-- THE PLANTS, made by the caller itself (service_role may create temporary objects): types
-- named uuid, jsonb and timestamptz, and casts from and to the planted uuid that record their
-- use (and the role they ran as).
select tests.authenticate_as_service_role();
create temp table uuid (v pg_catalog.text);
create temp table jsonb (v pg_catalog.text);
create temp table timestamptz (v pg_catalog.text);
create function pg_temp.planted_uuid_from_text(pg_catalog.text) returns pg_temp.uuid language sql as $$
  select pg_catalog.nextval('hijack.uses');
  insert into hijack.calls (fn) values ('cast (text as pg_temp.uuid)');
  select row($1)::pg_temp.uuid
$$;
create function pg_temp.planted_uuid_from_uuid(pg_catalog.uuid) returns pg_temp.uuid language sql as $$
  select pg_catalog.nextval('hijack.uses');
  insert into hijack.calls (fn) values ('cast (uuid as pg_temp.uuid)');
  select row($1::pg_catalog.text)::pg_temp.uuid
$$;
create function pg_temp.planted_uuid_to_text(pg_temp.uuid) returns pg_catalog.text language sql as $$
  select pg_catalog.nextval('hijack.uses');
  insert into hijack.calls (fn) values ('cast (pg_temp.uuid as text)');
  select ($1).v
$$;
create cast (pg_catalog.text as pg_temp.uuid) with function pg_temp.planted_uuid_from_text(pg_catalog.text) as assignment;
create cast (pg_catalog.uuid as pg_temp.uuid) with function pg_temp.planted_uuid_from_uuid(pg_catalog.uuid) as assignment;
create cast (pg_temp.uuid as pg_catalog.text) with function pg_temp.planted_uuid_to_text(pg_temp.uuid) as assignment;

-- THE RUN, as service_role: usage counting (declares a uuid, casts it to text, audits), the
-- status RPCs, a job's life (enqueue, claim, heartbeat, complete) and an audit event.
select pg_temp.try_step('1 track_ai_processing_usage',
  format('select pg_catalog.to_jsonb(public.track_ai_processing_usage(%L, %L, 10, 1))', :'clean_profile', :'control_job'));
select pg_temp.try_step('2 get_user_usage_status', format('select public.get_user_usage_status(%L)', :'clean_profile'));
select pg_temp.try_step('3 get_processing_status', format('select public.get_processing_status(%L)', :'control_file'));
select pg_temp.try_step('4 enqueue_job_v3', format($$select pg_catalog.to_jsonb(e) from public.enqueue_job_v3(
  job_type => 'report_generation', job_name => 'type plant', job_payload => '{"k": 3}', patient_id => %L, max_retries => 0) e$$,
  :'clean_profile'));
select pg_temp.try_step('5 claim_next_job_v3',
  $$select pg_catalog.to_jsonb(c) from public.claim_next_job_v3('sph-worker', array['report_generation']) c$$);
select pg_temp.try_step('6 update_job_heartbeat', $$select pg_catalog.to_jsonb(public.update_job_heartbeat(
  (select (r.value ->> 'job_id')::pg_catalog.uuid from pg_temp.type_results r where r.step = '4 enqueue_job_v3'), 'sph-worker'))$$);
select pg_temp.try_step('7 complete_job', $$select pg_catalog.to_jsonb(public.complete_job(
  (select (r.value ->> 'job_id')::pg_catalog.uuid from pg_temp.type_results r where r.step = '4 enqueue_job_v3'), 'sph-worker',
  '{"done": true}'))$$);
select pg_temp.try_step('8 log_audit_event',
  $$select pg_catalog.to_jsonb(public.log_audit_event('hijack_test', 'types', 'PROCESS') is not null)$$);
create temp table calls_by_rpcs as select c.fn, c.by_role from hijack.calls c;
select coalesce(pg_sequence_last_value('hijack.uses'), 0) as uses_after_rpcs \gset
-- CONTROL: the same plants reach a definer function whose path is empty.
select pg_temp.try_step('control', $$select pg_catalog.to_jsonb(hijack.empty_path('00000000-0000-4000-8000-000000000abc'))$$);
set local client_min_messages = warning;
drop table pg_temp.uuid, pg_temp.jsonb, pg_temp.timestamptz cascade;
reset client_min_messages;
select tests.clear_authentication();

select is(
  (select jsonb_object_agg(r.step, case when r.ok then '"answered"'::jsonb else r.value end) from pg_temp.type_results r
    where r.step <> 'control'),
  '{"1 track_ai_processing_usage": "answered", "2 get_user_usage_status": "answered", "3 get_processing_status": "answered",
    "4 enqueue_job_v3": "answered", "5 claim_next_job_v3": "answered", "6 update_job_heartbeat": "answered",
    "7 complete_job": "answered", "8 log_audit_event": "answered"}'::jsonb,
  'types planted in pg_temp (uuid, jsonb, timestamptz, casts on uuid): every RPC of the run answered');
select is(
  (select jsonb_build_object('recorded', r.value -> 'recorded', 'reason', r.value -> 'reason')
     from pg_temp.type_results r where r.step = '1 track_ai_processing_usage'),
  '{"recorded": true, "reason": null}'::jsonb,
  'track_ai_processing_usage counted the job');
select is(
  (select count(*)::integer from public.usage_events u join public.audit_log a on a.record_id = u.id::text
    where u.job_id = :'control_job' and u.event_type = 'ai_processing_completed'
      and a.table_name = 'usage_events' and a.operation = 'INSERT' and a.job_id = u.job_id),
  1, 'its usage event was written once, and audited under the event''s own id (its uuid variable was a uuid)');
select is(
  (select jsonb_build_object(
     'claimed', (select value ->> 'job_id' from pg_temp.type_results where step = '5 claim_next_job_v3')
                = (select value ->> 'job_id' from pg_temp.type_results where step = '4 enqueue_job_v3'),
     'heartbeat', (select value from pg_temp.type_results where step = '6 update_job_heartbeat'),
     'completed', (select value from pg_temp.type_results where step = '7 complete_job'),
     'audited', (select value from pg_temp.type_results where step = '8 log_audit_event'),
     'job status', (select j.status from public.job_queue j
                     where j.id = (select (value ->> 'job_id')::uuid from pg_temp.type_results where step = '4 enqueue_job_v3')))),
  '{"claimed": true, "heartbeat": true, "completed": true, "audited": true, "job status": "completed"}'::jsonb,
  'the job''s life went as documented: claimed, heartbeat accepted, completed; the audit event recorded');
select is_empty($$select fn || ' as ' || by_role from pg_temp.calls_by_rpcs$$, 'no planted cast was used by any RPC');
select is(:'uses_after_rpcs'::bigint, :'uses_before_types'::bigint, 'not even inside a statement that failed');
select set_eq($$select distinct fn || ' as ' || by_role from hijack.calls$$,
  array['cast (text as pg_temp.uuid) as postgres', 'cast (pg_temp.uuid as text) as postgres'],
  'control: a definer function with search_path = '''' runs the casts service_role planted, as its owner postgres');

select * from finish();
rollback;
