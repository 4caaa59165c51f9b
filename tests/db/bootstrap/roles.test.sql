-- The roles Supabase's image has, with the attributes production relies on.
begin;
select plan(11);

select has_role('anon');
select has_role('authenticated');
select has_role('service_role');
select has_role('authenticator');

select is((select rolsuper from pg_roles where rolname = 'postgres'), false,
  'postgres is not a superuser, as on hosted Supabase');
select is((select rolbypassrls from pg_roles where rolname = 'service_role'), true,
  'service_role bypasses RLS');
select is((select rolbypassrls from pg_roles where rolname = 'authenticated'), false,
  'authenticated does not bypass RLS');
select is((select rolcanlogin from pg_roles where rolname = 'anon'), false,
  'nobody logs in as anon');
select is((select rolinherit from pg_roles where rolname = 'authenticator'), false,
  'authenticator inherits nothing: it can only switch roles');
select ok(pg_has_role('authenticator', 'service_role', 'member'),
  'authenticator may become service_role');
select ok(not pg_has_role('anon', 'service_role', 'member'),
  'anon may not become service_role');

select * from finish();
rollback;
