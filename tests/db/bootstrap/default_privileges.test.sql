-- Supabase's default privileges: what postgres creates in public is granted to the API roles
-- unless the migration revokes it. The tests of every RPC rely on this being true locally.
begin;
select plan(6);

create function public.bootstrap_probe() returns int language sql as $$ select 1 $$;
create table public.bootstrap_probe_t (id int);

select ok(has_function_privilege('anon', 'public.bootstrap_probe()', 'execute'),
  'a new function in public is executable by anon');
select ok(has_function_privilege('authenticated', 'public.bootstrap_probe()', 'execute'),
  'and by authenticated');
select ok(has_table_privilege('anon', 'public.bootstrap_probe_t', 'select'),
  'a new table in public is readable by anon');
select ok(has_table_privilege('authenticated', 'public.bootstrap_probe_t', 'insert'),
  'and writable by authenticated');

revoke execute on function public.bootstrap_probe() from public, anon, authenticated;
select ok(not has_function_privilege('anon', 'public.bootstrap_probe()', 'execute'),
  'revoking from public and anon closes it');
select ok(has_function_privilege('service_role', 'public.bootstrap_probe()', 'execute'),
  'service_role keeps its grant');

select * from finish();
rollback;
