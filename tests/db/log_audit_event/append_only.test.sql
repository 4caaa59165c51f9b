-- The audit log is append-only: UPDATE, DELETE and TRUNCATE are refused for everyone,
-- postgres (the table's owner) included; service_role may only read it.
begin;
select plan(9);

select tests.authenticate_as_service_role();
select set_config('fix.id', public.log_audit_event('t', 'r', 'INSERT')::text, true);
select tests.clear_authentication();

-- postgres, the owner
select throws_ok(format('update public.audit_log set reason = %L where id = %s', 'rewritten', current_setting('fix.id')),
  '42501', 'audit_log is append-only: UPDATE is not allowed', 'postgres cannot update a row');
select throws_ok(format('delete from public.audit_log where id = %s', current_setting('fix.id')),
  '42501', 'audit_log is append-only: DELETE is not allowed', 'postgres cannot delete a row');
select throws_ok('truncate public.audit_log',
  '42501', 'audit_log is append-only: TRUNCATE is not allowed', 'postgres cannot truncate');

-- service_role: reads, but holds no write privilege at all
select tests.authenticate_as_service_role();
select is((select count(*) from public.audit_log where id = current_setting('fix.id')::bigint), 1::bigint, 'service_role reads the log');
select throws_ok(format('update public.audit_log set reason = %L where id = %s', 'x', current_setting('fix.id')),
  '42501', 'permission denied for table audit_log', 'service_role cannot update');
select throws_ok(format('delete from public.audit_log where id = %s', current_setting('fix.id')),
  '42501', 'permission denied for table audit_log', 'service_role cannot delete');
select throws_ok($$insert into public.audit_log (table_name, record_id, operation, actor_role) values ('t', 'r', 'INSERT', 'forged')$$,
  '42501', 'permission denied for table audit_log', 'service_role cannot insert around log_audit_event');
select tests.clear_authentication();

select is((select reason from public.audit_log where id = current_setting('fix.id')::bigint), null, 'the row is unchanged');
select is((select count(*) from public.audit_log where id = current_setting('fix.id')::bigint), 1::bigint, 'and still there');

select * from finish();
rollback;
