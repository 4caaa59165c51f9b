-- =============================================================================
-- 02 PROFILES: one account manages several profiles (self, child, pet, ...);
-- others may be granted access to a profile. has_profile_access() is the one
-- question every profile-scoped policy and RPC asks.
-- =============================================================================

create table if not exists public.user_profiles (
  id uuid primary key default extensions.gen_random_uuid(),
  account_owner_id uuid not null references auth.users (id) on delete cascade,
  profile_type text not null check (profile_type in ('self', 'child', 'adult_dependent', 'pet')),
  display_name text not null check (length(btrim(display_name)) between 1 and 200),
  date_of_birth date,
  archived boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index if not exists user_profiles_one_self_idx
  on public.user_profiles (account_owner_id) where profile_type = 'self';
create index if not exists user_profiles_owner_idx on public.user_profiles (account_owner_id);

create table if not exists public.profile_access_grants (
  id uuid primary key default extensions.gen_random_uuid(),
  profile_id uuid not null references public.user_profiles (id) on delete cascade,
  grantee_id uuid not null references auth.users (id) on delete cascade,
  access_level text not null check (access_level in ('read', 'write', 'full')),
  granted_by uuid references auth.users (id) on delete set null,
  granted_at timestamptz not null default now(),
  expires_at timestamptz,
  revoked_at timestamptz,
  unique (profile_id, grantee_id)
);
create index if not exists profile_access_grants_grantee_idx on public.profile_access_grants (grantee_id);

-- -----------------------------------------------------------------------------
-- FUNCTION: has_profile_access(user, profile)
-- -----------------------------------------------------------------------------
create or replace function public.has_profile_access(p_user_id uuid, p_profile_id uuid)
returns boolean
language sql
stable
security definer
set search_path = pg_catalog, pg_temp
as $$
  select p_user_id is not null and p_profile_id is not null
    -- GUARD: an end user's request (JWT role anon or authenticated: RLS policies, Storage, the
    -- user RPCs) asks about auth.uid() only. The service role and sessions without claims
    -- (migrations, pg_cron, the SQL editor) ask about anyone.
    and (coalesce(p_user_id = auth.uid(), false) or coalesce(auth.role(), '') not in ('anon', 'authenticated'))
    and (
      exists (
        select 1 from public.user_profiles p
         where p.id = p_profile_id and p.account_owner_id = p_user_id
      )
      or exists (
        select 1 from public.profile_access_grants g
         where g.profile_id = p_profile_id
           and g.grantee_id = p_user_id
           and g.revoked_at is null
           and (g.expires_at is null or g.expires_at > now())
      )
    )
$$;
comment on function public.has_profile_access(uuid, uuid) is
  'True when the user owns the profile or holds an unrevoked, unexpired grant to it. Used by RLS policies; callable by authenticated and service_role. A caller with JWT role anon or authenticated gets an answer about itself only (p_user_id = auth.uid()); about anyone else it is false.';
revoke all on function public.has_profile_access(uuid, uuid) from public, anon, authenticated;
grant execute on function public.has_profile_access(uuid, uuid) to authenticated, service_role;

-- -----------------------------------------------------------------------------
-- RLS
-- -----------------------------------------------------------------------------
alter table public.user_profiles enable row level security;
alter table public.profile_access_grants enable row level security;

grant select, insert, update, delete on public.user_profiles to authenticated, service_role;
grant select, insert, update, delete on public.profile_access_grants to authenticated, service_role;

drop policy if exists user_profiles_select on public.user_profiles;
create policy user_profiles_select on public.user_profiles
  for select to authenticated
  using (public.has_profile_access(auth.uid(), id));

drop policy if exists user_profiles_insert_own on public.user_profiles;
create policy user_profiles_insert_own on public.user_profiles
  for insert to authenticated
  with check (account_owner_id = auth.uid());

drop policy if exists user_profiles_update_own on public.user_profiles;
create policy user_profiles_update_own on public.user_profiles
  for update to authenticated
  using (account_owner_id = auth.uid())
  with check (account_owner_id = auth.uid());

drop policy if exists user_profiles_delete_own on public.user_profiles;
create policy user_profiles_delete_own on public.user_profiles
  for delete to authenticated
  using (account_owner_id = auth.uid());

-- The profile's owner manages its grants; a grantee sees the grants made to them.
drop policy if exists profile_access_grants_select on public.profile_access_grants;
create policy profile_access_grants_select on public.profile_access_grants
  for select to authenticated
  using (
    grantee_id = auth.uid()
    or exists (select 1 from public.user_profiles p
                where p.id = profile_id and p.account_owner_id = auth.uid())
  );

drop policy if exists profile_access_grants_owner_writes on public.profile_access_grants;
create policy profile_access_grants_owner_writes on public.profile_access_grants
  for all to authenticated
  using (exists (select 1 from public.user_profiles p
                  where p.id = profile_id and p.account_owner_id = auth.uid()))
  with check (exists (select 1 from public.user_profiles p
                       where p.id = profile_id and p.account_owner_id = auth.uid()));
