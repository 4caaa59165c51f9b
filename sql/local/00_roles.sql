-- Local bootstrap, part 0: the roles that Supabase's Postgres image already has.
-- Run by the cluster's superuser (supabase_admin) on every `stack start`; idempotent.
-- Hosted Supabase has all of this already, which is why it is not a migration.

do $$
declare
  v_role text;
begin
  -- API roles: nobody logs in as them; PostgREST switches to them per request.
  foreach v_role in array array['anon', 'authenticated', 'service_role'] loop
    if not exists (select 1 from pg_roles where rolname = v_role) then
      execute format('create role %I nologin noinherit', v_role);
    end if;
  end loop;

  -- postgres: what migrations, the SQL editor and pgTAP run as. Not a superuser on
  -- hosted Supabase, so not one here either: a migration that needs more fails locally first.
  if not exists (select 1 from pg_roles where rolname = 'postgres') then
    create role postgres login createrole createdb replication bypassrls;
  end if;

  -- PostgREST's login role: it can do nothing itself, only become an API role.
  if not exists (select 1 from pg_roles where rolname = 'authenticator') then
    create role authenticator login noinherit;
  end if;

  -- What the Storage service connects as.
  if not exists (select 1 from pg_roles where rolname = 'supabase_storage_admin') then
    create role supabase_storage_admin login noinherit createrole;
  end if;
end
$$;

alter role service_role bypassrls;
alter role anon set statement_timeout = '3s';
alter role authenticated set statement_timeout = '8s';

grant anon, authenticated, service_role to authenticator;
grant anon, authenticated, service_role to postgres with admin option;
grant anon, authenticated, service_role to supabase_storage_admin;

-- The database and its public schema belong to postgres, as on hosted Supabase.
alter database postgres owner to postgres;
alter schema public owner to postgres;
grant usage on schema public to anon, authenticated, service_role;

alter role postgres set search_path = "$user", public, extensions;
