-- Local bootstrap, last part: Supabase's default privileges.
--
-- On hosted Supabase, every table, sequence and function that postgres creates in `public`
-- is granted to anon, authenticated and service_role (and functions keep PostgreSQL's own
-- EXECUTE for PUBLIC). A migration that forgets to revoke exposes its function to anon.
-- Granting the same here makes such a migration fail its tests locally, as it would
-- misbehave in production.
--
-- Hosted sets these once, when the project is created; so does this, on a new cluster only.
-- Re-applied at every start, it would undo a migration that revoked them.

do $$
begin
  if not exists (
    select 1 from pg_default_acl d
     where d.defaclrole = 'postgres'::regrole and d.defaclnamespace = 'public'::regnamespace
  ) then
    alter default privileges for role postgres in schema public
      grant all on tables to anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      grant all on sequences to anon, authenticated, service_role;
    alter default privileges for role postgres in schema public
      grant all on functions to anon, authenticated, service_role;
  end if;
end
$$;
