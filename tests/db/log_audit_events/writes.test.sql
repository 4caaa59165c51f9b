-- A batch is written in order, its ids returned in that order. With an actor (the end user
-- an Edge Function verified): category access, actor_id = the actor, actor_role
-- authenticated. Without: category system, the caller's role.
begin;
select plan(5);

select tests.create_user_with_profile('lae_w_alice') as alice \gset
select tests.get_supabase_uid('lae_w_alice') as alice_uid \gset
select job_id from tests.create_processing_job(:'alice', 'w1') \gset
create temp table got (batch text, ids bigint[]);
grant insert on got to service_role;

select tests.authenticate_as_service_role();
insert into got select 'actor', public.log_audit_events(:'alice_uid', jsonb_build_array(
  jsonb_build_object('table_name', 'shell_files', 'record_id', 'r1', 'operation', 'SELECT', 'patient_id', :'alice',
                     'reason', 'viewed the document', 'new_values', jsonb_build_object('screen', 'viewer')),
  jsonb_build_object('table_name', 'clinical_extractions', 'record_id', 'r2', 'operation', 'EXPORT', 'patient_id', :'alice', 'job_id', :'job_id'),
  jsonb_build_object('table_name', 'app', 'record_id', 'r3', 'operation', 'ACCESS')));
insert into got select 'system', public.log_audit_events(null, '[{"table_name": "job_queue", "record_id": "s1", "operation": "PROCESS"}]');
select tests.clear_authentication();

select is((select cardinality(ids) from got where batch = 'actor'), 3, 'three ids for three events');
select results_eq(
  $$select a.table_name, a.record_id, a.operation, a.compliance_category, a.patient_id::text, a.job_id::text, a.actor_id::text, a.actor_role, a.reason, a.new_values
      from got, unnest(got.ids) with ordinality u (id, n) join public.audit_log a on a.id = u.id
     where got.batch = 'actor' order by u.n$$,
  format($$values ('shell_files'::text, 'r1'::text, 'SELECT'::text, 'access'::text, %1$L::text, null::text, %2$L::text, 'authenticated'::text, 'viewed the document'::text, '{"screen": "viewer"}'::jsonb),
                  ('clinical_extractions', 'r2', 'EXPORT', 'access', %1$L, %3$L, %2$L, 'authenticated', null, null),
                  ('app', 'r3', 'ACCESS', 'access', null, null, %2$L, 'authenticated', null, null)$$, :'alice', :'alice_uid', :'job_id'),
  'written in order with the actor, category access, patient and job correlation');
select ok((select ids[1] < ids[2] and ids[2] < ids[3] from got where batch = 'actor'), 'ids in the events'' order');
select results_eq(
  $$select a.compliance_category, a.actor_id, a.actor_role from got join public.audit_log a on a.id = got.ids[1] where got.batch = 'system'$$,
  $$values ('system'::text, null::uuid, 'service_role'::text)$$,
  'without an actor: category system, the caller''s role');
select is((select count(*)::integer from public.audit_log a, got where a.id = any (got.ids)), 4, 'four rows in all');

select * from finish();
rollback;
