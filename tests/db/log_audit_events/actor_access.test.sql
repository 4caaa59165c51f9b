-- With an actor, every event's patient must be a profile the actor can access; one that is
-- not refuses the whole batch (42501) and writes nothing.
begin;
select plan(5);

select tests.create_user_with_profile('lae_acc_alice') as alice \gset
select tests.create_user_with_profile('lae_acc_bob') as bob \gset
select tests.get_supabase_uid('lae_acc_alice') as alice_uid \gset
create temp table audit_before as select count(*) as n from public.audit_log;
grant select on audit_before to service_role;

select tests.authenticate_as_service_role();
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(
    jsonb_build_object('table_name', 't', 'record_id', 'own', 'operation', 'SELECT', 'patient_id', :'alice'),
    jsonb_build_object('table_name', 't', 'record_id', 'theirs', 'operation', 'SELECT', 'patient_id', :'bob'))),
  '42501', 'log_audit_events: p_actor_id has no access to the patient of p_events[1]', 'an event about bob''s profile: refused');
select is((select count(*) from public.audit_log), (select n from audit_before), 'nothing written, not even alice''s event');
select throws_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(
    jsonb_build_object('table_name', 't', 'record_id', 'x', 'operation', 'SELECT', 'patient_id', '00000000-0000-4000-8000-0000000a0fff'))),
  '42501', 'log_audit_events: p_actor_id has no access to the patient of p_events[0]', 'an unknown patient: refused');
select lives_ok(format('select public.log_audit_events(%L, %L)', :'alice_uid', jsonb_build_array(
    jsonb_build_object('table_name', 't', 'record_id', 'own', 'operation', 'SELECT', 'patient_id', :'alice'))),
  'her own profile: written');
select lives_ok(format('select public.log_audit_events(null, %L)', jsonb_build_array(
    jsonb_build_object('table_name', 't', 'record_id', 'svc', 'operation', 'PROCESS', 'patient_id', :'bob'))),
  'without an actor (a service event), any patient');
select tests.clear_authentication();

select * from finish();
rollback;
