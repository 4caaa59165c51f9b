-- private.shell_file_follows_job is wired to public.job_queue as AFTER UPDATE OF status,
-- FOR EACH ROW, enabled; it is a SECURITY DEFINER trigger function with a pinned search_path
-- that no API role (nor PUBLIC) may execute, and that cannot be called on its own.
begin;
select plan(12);

select trigger_is('public', 'job_queue', 'job_queue_shell_file_follows_job', 'private', 'shell_file_follows_job',
  'job_queue_shell_file_follows_job runs private.shell_file_follows_job');
select is((select tgtype::int & (1 | 2 | 4 | 8 | 16 | 32 | 64) from pg_trigger
            where tgrelid = 'public.job_queue'::regclass and tgname = 'job_queue_shell_file_follows_job'),
  1 | 16, 'AFTER UPDATE, FOR EACH ROW, nothing else');
select is((select array_agg(a.attname::text) from pg_trigger t
             join pg_attribute a on a.attrelid = t.tgrelid and a.attnum = any (t.tgattr)
            where t.tgrelid = 'public.job_queue'::regclass and t.tgname = 'job_queue_shell_file_follows_job'),
  array['status'], 'UPDATE OF status only');
select is((select tgenabled::text from pg_trigger
            where tgrelid = 'public.job_queue'::regclass and tgname = 'job_queue_shell_file_follows_job'),
  'O', 'enabled');
select ok((select p.prosecdef and 'search_path=pg_catalog, pg_temp' = any (p.proconfig) and p.provolatile = 'v'
             from pg_proc p where p.oid = 'private.shell_file_follows_job()'::regprocedure),
  'SECURITY DEFINER, volatile, search_path pinned to pg_catalog, pg_temp');

-- Nobody but its owner may execute it; the trigger needs no grant to fire.
select ok(not exists (select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
                       where p.oid = 'private.shell_file_follows_job()'::regprocedure and a.grantee = 0),
  'PUBLIC has no EXECUTE');
select ok(not has_function_privilege('anon', 'private.shell_file_follows_job()', 'execute')
          and not has_function_privilege('authenticated', 'private.shell_file_follows_job()', 'execute')
          and not has_function_privilege('service_role', 'private.shell_file_follows_job()', 'execute'),
  'anon, authenticated and service_role have no EXECUTE');

select tests.authenticate_as_anon();
select throws_ok('select private.shell_file_follows_job()', '42501', 'permission denied for schema private', 'anon: refused');
select tests.clear_authentication();
select tests.create_user_with_profile('sfj_wiring_alice') as alice \gset
select tests.authenticate_as('sfj_wiring_alice');
select throws_ok('select private.shell_file_follows_job()', '42501', 'permission denied for schema private', 'authenticated: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select throws_ok('select private.shell_file_follows_job()', '42501', 'permission denied for schema private', 'service_role: refused');
select tests.clear_authentication();
select throws_ok('select private.shell_file_follows_job()', '0A000', 'trigger functions can only be called as triggers',
  'even its owner cannot run it by calling it');

-- An API role's own UPDATE still fires it (service_role may update job_queue directly).
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset
select tests.authenticate_as_service_role();
update public.job_queue set status = 'cancelled', heartbeat_at = null where id = :'job_id';
select tests.clear_authentication();
select is((select status from public.shell_files where id = :'shell_file_id'), 'cancelled',
  'fires for a service_role UPDATE without EXECUTE on the function');

select * from finish();
rollback;
