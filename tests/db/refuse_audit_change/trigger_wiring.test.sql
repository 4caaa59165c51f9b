-- refuse_audit_change is wired to audit_log as BEFORE UPDATE/DELETE (each row) and
-- BEFORE TRUNCATE (statement), refuses with 42501 naming the operation, and is not
-- callable on its own.
begin;
select plan(7);

select trigger_is('public', 'audit_log', 'audit_log_append_only', 'private', 'refuse_audit_change',
  'audit_log_append_only runs private.refuse_audit_change');
select trigger_is('public', 'audit_log', 'audit_log_no_truncate', 'private', 'refuse_audit_change',
  'audit_log_no_truncate runs private.refuse_audit_change');
select is((select tgtype::int & (2 | 8 | 16 | 1) from pg_trigger
            where tgrelid = 'public.audit_log'::regclass and tgname = 'audit_log_append_only'),
  2 | 8 | 16 | 1, 'append_only: BEFORE, DELETE and UPDATE, FOR EACH ROW');
select is((select tgtype::int & (2 | 32 | 1) from pg_trigger
            where tgrelid = 'public.audit_log'::regclass and tgname = 'audit_log_no_truncate'),
  2 | 32, 'no_truncate: BEFORE TRUNCATE, per statement');
select is((select count(*) from pg_trigger where tgrelid = 'public.audit_log'::regclass and not tgisinternal and tgenabled <> 'D'),
  2::bigint, 'both enabled, and no other trigger on the log');

-- The refusal itself (an UPDATE that matches a row).
insert into public.audit_log (table_name, record_id, operation, actor_role) values ('t', 'r', 'INSERT', 'postgres');
select throws_ok($$update public.audit_log set reason = 'x' where table_name = 't' and record_id = 'r' and actor_role = 'postgres'$$,
  '42501', 'audit_log is append-only: UPDATE is not allowed', 'refuses with the operation named');
select throws_ok($$select private.refuse_audit_change()$$,
  '0A000', 'trigger functions can only be called as triggers', 'not callable on its own');

select * from finish();
rollback;
