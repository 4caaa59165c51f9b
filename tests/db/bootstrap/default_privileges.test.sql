-- Privileges posture. The local bootstrap reproduces Supabase's defaults (everything new in
-- public granted to anon, authenticated, service_role); the first migration withdraws them
-- from anon, authenticated and PUBLIC. So a later migration that grants nothing exposes
-- nothing, and service_role keeps what Supabase gives it.
begin;
select plan(8);

create function public.bootstrap_probe() returns int language sql as $$ select 1 $$;
create table public.bootstrap_probe_t (id int);

select ok(not has_function_privilege('anon', 'public.bootstrap_probe()', 'execute'),
  'a new function in public is not executable by anon');
select ok(not has_function_privilege('authenticated', 'public.bootstrap_probe()', 'execute'),
  'nor by authenticated');
select ok(not exists (
    select 1 from pg_proc p, aclexplode(p.proacl) a
     where p.oid = 'public.bootstrap_probe()'::regprocedure and a.grantee = 0),
  'nor by PUBLIC');
select ok(has_function_privilege('service_role', 'public.bootstrap_probe()', 'execute'),
  'service_role keeps Supabase''s default grant');

select ok(not has_table_privilege('anon', 'public.bootstrap_probe_t', 'select'),
  'a new table in public is not readable by anon');
select ok(not has_table_privilege('authenticated', 'public.bootstrap_probe_t', 'insert'),
  'nor writable by authenticated');
select ok(has_table_privilege('service_role', 'public.bootstrap_probe_t', 'select, insert, update, delete'),
  'service_role keeps Supabase''s default grant');

grant execute on function public.bootstrap_probe() to authenticated;
select ok(has_function_privilege('authenticated', 'public.bootstrap_probe()', 'execute'),
  'an explicit grant opens it');

select * from finish();
rollback;
