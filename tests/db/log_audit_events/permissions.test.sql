-- Permission matrix: only service_role (the audit-logger function) may call it; a user
-- cannot write audit events directly, for their own profile or another's.
begin;
select plan(6);

select tests.create_user_with_profile('lae_perm_alice') as alice \gset
select tests.create_user_with_profile('lae_perm_bob') as bob \gset
select tests.get_supabase_uid('lae_perm_alice') as alice_uid \gset
select format('select public.log_audit_events(%L, %L)', :'alice_uid',
  jsonb_build_array(jsonb_build_object('table_name', 't', 'record_id', 'perm', 'operation', 'SELECT', 'patient_id', :'alice'))) as own_call \gset
select format('select public.log_audit_events(%L, %L)', :'alice_uid',
  jsonb_build_array(jsonb_build_object('table_name', 't', 'record_id', 'perm', 'operation', 'SELECT', 'patient_id', :'bob'))) as other_call \gset

select ok(not has_function_privilege('public', 'public.log_audit_events(uuid, jsonb)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(:'own_call', '42501', 'permission denied for function log_audit_events', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('lae_perm_alice');
select throws_ok(:'own_call', '42501', 'permission denied for function log_audit_events', 'a user, for their own profile: refused');
select throws_ok(:'other_call', '42501', 'permission denied for function log_audit_events', 'a user, for another''s profile: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select lives_ok(:'own_call', 'service_role: allowed');
select tests.clear_authentication();
select is((select count(*)::integer from public.audit_log where record_id = 'perm'), 1, 'only the service_role call wrote');

select * from finish();
rollback;
