-- Permission matrix: service_role only. anon and authenticated have no EXECUTE (a user
-- cannot forge audit events), nor does PUBLIC.
begin;
select plan(6);

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)'::regprocedure
       and a.grantee = 0),
  'PUBLIC cannot execute it');

select tests.create_user_with_profile('lae_perm');
select set_config('fix.before', (select count(*) from public.audit_log)::text, true);

select tests.authenticate_as_anon();
select throws_ok($$select public.log_audit_event('t', 'r', 'INSERT')$$,
  '42501', 'permission denied for function log_audit_event', 'anon: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as('lae_perm');
select throws_ok($$select public.log_audit_event('t', 'r', 'INSERT')$$,
  '42501', 'permission denied for function log_audit_event', 'authenticated: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok($$select public.log_audit_event('t', 'r', 'INSERT')$$, 'service_role: allowed');
select tests.clear_authentication();

select is((select count(*) from public.audit_log), current_setting('fix.before')::bigint + 1, 'one row: the service role''s');
select is((select prosecdef from pg_proc where oid = 'public.log_audit_event(text, text, text, jsonb, jsonb, text, text, uuid, uuid)'::regprocedure),
  true, 'security definer (it writes a table no caller may write)');

select * from finish();
rollback;
