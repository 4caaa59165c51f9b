-- Hardening (issue 5; log_audit_events in 20261122000950_pipeline): with an actor, every job_id must name a job of a patient the actor
-- can access; otherwise the whole batch is refused (42501, naming the event) and nothing is
-- written. A made-up job is refused alike (existence is not revealed). Without an actor (the
-- service writing as the system), any job.
begin;
select plan(9);

select tests.create_user_with_profile('lae_jobs_alice') as alice \gset
select tests.create_user_with_profile('lae_jobs_bob') as bob \gset
select tests.get_supabase_uid('lae_jobs_alice') as alice_uid \gset
select tests.create_supabase_user('lae_jobs_carer') as carer_uid \gset
insert into public.profile_access_grants (profile_id, grantee_id, access_level) values (:'bob', :'carer_uid', 'read');
select job_id as alice_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as bob_job from tests.create_processing_job(:'bob', 'w2') \gset
insert into public.job_queue (job_type, job_lane, job_name, job_payload) values ('report_generation', 'standard', 'system job', '{"k": 1}')
returning id as system_job \gset
create temp table audit_before as select count(*) as n from public.audit_log;
grant select on audit_before to service_role;

create function pg_temp.batch(p_events jsonb[]) returns text language sql as $$
  select string_agg(e::text, ',') from unnest(p_events) e
$$;
create function pg_temp.event(p_job text, p_patient text default null) returns jsonb language sql as $$
  select jsonb_strip_nulls(jsonb_build_object('table_name', 'shell_files', 'record_id', 'viewed', 'operation', 'ACCESS',
                                              'job_id', p_job, 'patient_id', p_patient))
$$;
grant execute on function pg_temp.event(text, text) to service_role;

select tests.authenticate_as_service_role();
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(pg_temp.event(:'bob_job'))),
  '42501', 'log_audit_events: p_actor_id has no access to the job of p_events[0]', 'bob''s job without a patient: refused');
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(pg_temp.event(:'bob_job', :'alice'))),
  '42501', 'log_audit_events: p_actor_id has no access to the job of p_events[0]', 'bob''s job under alice''s own patient: refused');
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid',
    jsonb_build_array(pg_temp.event(:'alice_job', :'alice'), pg_temp.event(:'bob_job'))),
  '42501', 'log_audit_events: p_actor_id has no access to the job of p_events[1]', 'one foreign job refuses the batch, naming it');
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(pg_temp.event('00000000-0000-4000-8000-0000000a0fff'))),
  '42501', 'log_audit_events: p_actor_id has no access to the job of p_events[0]', 'a made-up job: refused alike');
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(pg_temp.event(:'system_job'))),
  '42501', 'log_audit_events: p_actor_id has no access to the job of p_events[0]', 'a job of no patient: refused');
select is((select count(*) from public.audit_log), (select n from audit_before), 'nothing written');
select lives_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(pg_temp.event(:'alice_job'))),
  'her own job: written');
select lives_ok(format('select public.log_audit_events(%L, %L)', :'carer_uid', jsonb_build_array(pg_temp.event(:'bob_job', :'bob'))),
  'a carer granted bob''s profile: bob''s job is allowed');
select lives_ok(format('select public.log_audit_events(null, %L)', jsonb_build_array(pg_temp.event(:'bob_job'), pg_temp.event(:'system_job'))),
  'without an actor (the service as the system): any job');
select tests.clear_authentication();

select * from finish();
rollback;
