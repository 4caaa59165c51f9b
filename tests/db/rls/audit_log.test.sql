-- RLS on public.audit_log: service role only (events about a patient are not readable by the patient: the log is for operators and compliance).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_audit_log_alice')::text, true);
insert into public.audit_log (table_name, record_id, operation, actor_role, patient_id) values ('shell_files', 'x', 'INSERT', 'postgres', current_setting('fix.alice')::uuid);
select ok((select relrowsecurity from pg_class where oid = 'public.audit_log'::regclass), 'RLS is enabled on audit_log');
select policies_are('public', 'audit_log', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.audit_log', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on audit_log');
select ok(not has_table_privilege('anon', 'public.audit_log', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on audit_log');

-- A USER, even about her own profile
select tests.authenticate_as('rls_audit_log_alice');
select throws_ok($$select * from public.audit_log$$, '42501', 'permission denied for table audit_log', 'a user cannot read audit_log');
select throws_ok($$insert into public.audit_log (table_name, record_id, operation, actor_role, patient_id) values ('t', 'r', 'INSERT', 'forged', current_setting('fix.alice')::uuid)$$, '42501', 'permission denied for table audit_log', 'a user cannot insert');
select throws_ok($$update public.audit_log set reason = 'x' where patient_id = current_setting('fix.alice')::uuid$$, '42501', 'permission denied for table audit_log', 'a user cannot update');
select throws_ok($$delete from public.audit_log where patient_id = current_setting('fix.alice')::uuid$$, '42501', 'permission denied for table audit_log', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.audit_log$$, '42501', 'permission denied for table audit_log', 'anon cannot read audit_log');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.audit_log to authenticated;
select tests.authenticate_as('rls_audit_log_alice');
select is_empty($$select 1 from public.audit_log$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.audit_log from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.audit_log where patient_id = current_setting('fix.alice')::uuid), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.audit_log', 'select') and not has_table_privilege('service_role', 'public.audit_log', 'insert, update, delete, truncate'),
  'the service role only reads it (log_audit_event writes)');
select ok(exists (select 1 from public.audit_log where patient_id = current_setting('fix.alice')::uuid), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
