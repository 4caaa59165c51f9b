-- Each bad argument is named, with SQLSTATE 22023 and the exact message, and nothing
-- is written. Empty and blank strings count as empty.
begin;
select plan(11);

select set_config('fix.before', (select count(*) from public.audit_log)::text, true);
select tests.authenticate_as_service_role();

select throws_ok($$select public.log_audit_event(null, 'r1', 'INSERT')$$,
  '22023', 'log_audit_event: p_table_name must not be empty', 'null table name');
select throws_ok($$select public.log_audit_event('   ', 'r1', 'INSERT')$$,
  '22023', 'log_audit_event: p_table_name must not be empty', 'blank table name');
select throws_ok($$select public.log_audit_event('t', null, 'INSERT')$$,
  '22023', 'log_audit_event: p_record_id must not be empty', 'null record id');
select throws_ok($$select public.log_audit_event('t', '', 'INSERT')$$,
  '22023', 'log_audit_event: p_record_id must not be empty', 'empty record id');
select throws_ok($$select public.log_audit_event('t', 'r1', null)$$,
  '22023', 'log_audit_event: p_operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT, got null',
  'null operation');
select throws_ok($$select public.log_audit_event('t', 'r1', 'insert')$$,
  '22023', 'log_audit_event: p_operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT, got insert',
  'operations are upper case');
select throws_ok($$select public.log_audit_event('t', 'r1', 'DROP')$$,
  '22023', 'log_audit_event: p_operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT, got DROP',
  'an unknown operation');
select throws_ok($$select public.log_audit_event('t', 'r1', 'INSERT', p_compliance_category => null)$$,
  '22023', 'log_audit_event: p_compliance_category must be one of system, clinical, access, security, billing, got null',
  'null category');
select throws_ok($$select public.log_audit_event('t', 'r1', 'INSERT', p_compliance_category => 'marketing')$$,
  '22023', 'log_audit_event: p_compliance_category must be one of system, clinical, access, security, billing, got marketing',
  'an unknown category');
select lives_ok($$select public.log_audit_event('t', 'r1', 'EXPORT', p_compliance_category => 'security')$$,
  'every documented value passes (EXPORT, security)');
select tests.clear_authentication();

select is((select count(*) from public.audit_log), current_setting('fix.before')::bigint + 1,
  'only the valid call wrote a row');

select * from finish();
rollback;
