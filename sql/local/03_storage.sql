-- Local bootstrap, part 3: the slice of Supabase Storage's `storage` schema that migrations,
-- RLS policies and the Storage stand-in (stack/storage/) use. Shapes follow hosted Storage,
-- so a project's `create policy ... on storage.objects` means here what it means there.

create schema if not exists storage authorization supabase_storage_admin;
alter schema storage owner to supabase_storage_admin;
grant usage on schema storage to postgres, anon, authenticated, service_role;
-- As hosted Storage's own migrations set it: functions that policies call run with this path.
alter role supabase_storage_admin set search_path = storage;

create table if not exists storage.buckets (
  id text primary key,
  name text not null unique,
  owner uuid,
  owner_id text,
  public boolean default false,
  file_size_limit bigint,
  allowed_mime_types text[],
  created_at timestamptz default now(),
  updated_at timestamptz default now()
);

create table if not exists storage.objects (
  id uuid primary key default extensions.gen_random_uuid(),
  bucket_id text references storage.buckets (id),
  name text,
  owner uuid,
  owner_id text,
  metadata jsonb,
  user_metadata jsonb,
  path_tokens text[] generated always as (string_to_array(name, '/')) stored,
  version text,
  created_at timestamptz default now(),
  updated_at timestamptz default now(),
  last_accessed_at timestamptz default now(),
  unique (bucket_id, name)
);
create index if not exists objects_name_prefix_search on storage.objects (name text_pattern_ops);

-- The Storage service connects as supabase_storage_admin, which owns the tables: it reads bucket
-- limits and serves public or signed objects as owner (RLS does not apply to owners), and runs
-- every caller's own request after switching to the caller's role, where RLS does apply.
alter table storage.buckets owner to supabase_storage_admin;
alter table storage.objects owner to supabase_storage_admin;
alter table storage.buckets enable row level security;
alter table storage.objects enable row level security;

-- As on hosted Supabase: the API roles get every table privilege and RLS does the restricting.
-- Buckets have no policies, so only service_role (bypassrls) and postgres manage them.
grant all on storage.buckets, storage.objects to postgres, anon, authenticated, service_role;

-- Hosted Supabase lets `postgres` create policies on storage.objects without owning it (the
-- supautils extension's policy grants), which is not available here. Membership in the owning
-- role is the closest stock-PostgreSQL equivalent: CREATE/ALTER/DROP POLICY work from migrations.
-- It also lets postgres alter or drop the tables, which hosted refuses; the event triggers
-- below refuse that too, so a migration that would fail on hosted fails here first.
grant supabase_storage_admin to postgres;

create or replace function storage.foldername(name text) returns text[]
language sql immutable
as $$
  select (string_to_array(name, '/'))[1:array_length(string_to_array(name, '/'), 1) - 1]
$$;

create or replace function storage.filename(name text) returns text
language sql immutable
as $$
  select (string_to_array(name, '/'))[array_length(string_to_array(name, '/'), 1)]
$$;

create or replace function storage.extension(name text) returns text
language sql immutable
as $$
  select reverse(split_part(reverse(storage.filename(name)), '.', 1))
$$;

alter function storage.foldername(text) owner to supabase_storage_admin;
alter function storage.filename(text) owner to supabase_storage_admin;
alter function storage.extension(text) owner to supabase_storage_admin;
grant execute on function storage.foldername(text), storage.filename(text), storage.extension(text)
  to postgres, anon, authenticated, service_role;

-- Refuses ALTER TABLE / DROP of the storage tables to everyone but the superuser and the Storage
-- service, as hosted does ("must be owner of table objects"). Policies and triggers stay
-- allowed: hosted allows them too (policy grants; TRIGGER privilege).
create or replace function storage.guard_owner_ddl() returns event_trigger
language plpgsql
as $$
declare
  v_command record;
begin
  if current_user in ('supabase_admin', 'supabase_storage_admin') then
    return;
  end if;
  if tg_event = 'sql_drop' then
    for v_command in
      select object_name from pg_event_trigger_dropped_objects()
      where object_type = 'table' and schema_name = 'storage'
        and object_name in ('buckets', 'objects')
    loop
      raise exception 'must be owner of table %', v_command.object_name
        using errcode = '42501',
          hint = 'storage tables belong to Supabase Storage; migrations may only manage policies on them';
    end loop;
  else
    for v_command in
      select objid from pg_event_trigger_ddl_commands()
      where classid = 'pg_class'::regclass
        and objid in ('storage.buckets'::regclass, 'storage.objects'::regclass)
    loop
      raise exception 'must be owner of table %',
          (select relname from pg_class where oid = v_command.objid)
        using errcode = '42501',
          hint = 'storage tables belong to Supabase Storage; migrations may only manage policies on them';
    end loop;
  end if;
end
$$;

do $$
begin
  if not exists (select 1 from pg_event_trigger where evtname = 'storage_guard_alter') then
    create event trigger storage_guard_alter on ddl_command_end
      when tag in ('ALTER TABLE')
      execute procedure storage.guard_owner_ddl();
  end if;
  if not exists (select 1 from pg_event_trigger where evtname = 'storage_guard_drop') then
    create event trigger storage_guard_drop on sql_drop
      when tag in ('DROP TABLE', 'DROP SCHEMA')
      execute procedure storage.guard_owner_ddl();
  end if;
end
$$;
