-- What is recorded: the arguments as given, the patient and job it correlates, the
-- acting user (auth.uid()) and role (the JWT role, else the database role), and the
-- id returned is the row's. Defaults: no values, no reason, category system.
begin;
select plan(7);

select set_config('fix.p', tests.create_user_with_profile('lae_corr')::text, true);

select tests.authenticate_as_service_role();
select set_config('fix.id1', public.log_audit_event(
  'shell_files', 'sf-1', 'UPDATE', '{"status": "queued"}', '{"status": "processing"}', 'claimed',
  'clinical', current_setting('fix.p')::uuid, 'd0000000-0000-4000-8000-000000000001')::text, true);
select set_config('fix.id2', public.log_audit_event('job_queue', 'j-2', 'PROCESS')::text, true);
select tests.clear_authentication();

select results_eq(
  format($$select table_name, record_id, operation, old_values, new_values, reason, compliance_category,
                 patient_id, job_id, actor_id, actor_role
            from public.audit_log where id = %s$$, current_setting('fix.id1')),
  $$values ('shell_files'::text, 'sf-1'::text, 'UPDATE'::text, '{"status": "queued"}'::jsonb, '{"status": "processing"}'::jsonb,
            'claimed'::text, 'clinical'::text, current_setting('fix.p')::uuid, 'd0000000-0000-4000-8000-000000000001'::uuid,
            null::uuid, 'service_role'::text)$$,
  'every argument recorded, with the patient and the job; the service role has no user id');
select results_eq(
  format($$select old_values, new_values, reason, compliance_category, patient_id, job_id
            from public.audit_log where id = %s$$, current_setting('fix.id2')),
  $$values (null::jsonb, null::jsonb, null::text, 'system'::text, null::uuid, null::uuid)$$,
  'defaults: no values, no reason, category system, no correlation');
select cmp_ok(current_setting('fix.id2')::bigint, '>', current_setting('fix.id1')::bigint, 'ids increase');
select is((select occurred_at from public.audit_log where id = current_setting('fix.id1')::bigint), now(), 'stamped with the transaction time');

-- A user's JWT (when a security definer RPC calls it on their behalf) is recorded as that user.
-- Users cannot call it directly, so act as one through a definer wrapper made for this test.
create function pg_temp.audit_as_caller() returns bigint language sql security definer set search_path = pg_catalog, pg_temp
  as $$ select public.log_audit_event('user_profiles', 'x', 'ACCESS', p_compliance_category => 'access') $$;
grant execute on function pg_temp.audit_as_caller() to authenticated;
select tests.authenticate_as('lae_corr');
select set_config('fix.id3', pg_temp.audit_as_caller()::text, true);
select tests.clear_authentication();
select results_eq(
  format($$select actor_id, actor_role from public.audit_log where id = %s$$, current_setting('fix.id3')),
  $$values (tests.get_supabase_uid('lae_corr'), 'authenticated'::text)$$,
  'the acting user and their JWT role');

-- No JWT at all (the SQL editor): the database role.
select set_config('fix.id4', public.log_audit_event('t', 'r', 'SELECT')::text, true);
select results_eq(
  format($$select actor_id, actor_role from public.audit_log where id = %s$$, current_setting('fix.id4')),
  $$values (null::uuid, 'postgres'::text)$$,
  'without a JWT the database role is recorded');

select is((select count(*) from public.audit_log where id in (
    current_setting('fix.id1')::bigint, current_setting('fix.id2')::bigint,
    current_setting('fix.id3')::bigint, current_setting('fix.id4')::bigint)), 4::bigint,
  'each call wrote exactly its row');

select * from finish();
rollback;
