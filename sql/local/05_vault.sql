-- Local bootstrap, part 5: a stand-in for Supabase Vault (the supabase_vault extension), which
-- cannot be installed here. Same SQL surface as hosted Vault for what this project uses:
-- table vault.secrets (the secret stored ENCRYPTED), view vault.decrypted_secrets (the same
-- columns plus decrypted_secret), vault.create_secret(...) and vault.update_secret(...).
-- The stack writes the `project_url` and `service_role_key` secrets at every start, as an
-- operator does once on a hosted project; the pg_cron dispatcher reads them from the view.
--
-- Encryption: pgcrypto's pgp_sym_encrypt with a random per-database key kept in
-- vault._local_key, which only the superuser (supabase_admin, the owner of everything here)
-- can read. So, as on hosted, `vault.secrets.secret` is ciphertext and code that reads it
-- instead of `decrypted_secret` fails locally too. It is a stand-in, not a key manager:
-- hosted Vault keeps its key outside the database.
--
-- Privileges as hosted: postgres may use the schema, read vault.secrets (ciphertext) and
-- vault.decrypted_secrets, delete secrets, and call create_secret / update_secret;
-- anon, authenticated and service_role get nothing.
-- Run by supabase_admin on every `stack start`; idempotent.

create schema if not exists vault;
revoke all on schema vault from public;

-- The key: one row, made once per database, never readable by postgres or the API roles.
create table if not exists vault._local_key (
  id boolean primary key default true check (id),
  key text not null
);
insert into vault._local_key (key)
values (encode(extensions.gen_random_bytes(32), 'hex'))
on conflict (id) do nothing;
revoke all on vault._local_key from public, postgres, anon, authenticated, service_role;

create table if not exists vault.secrets (
  id uuid primary key default extensions.gen_random_uuid(),
  name text unique,
  description text not null default '',
  -- Ciphertext (base64 of pgp_sym_encrypt), never the secret itself.
  secret text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- Runs with the owner's rights (supabase_admin: reads the key); callers need SELECT on the view.
create or replace view vault.decrypted_secrets as
  select s.id,
         s.name,
         s.description,
         s.secret,
         extensions.pgp_sym_decrypt(decode(s.secret, 'base64'), k.key) as decrypted_secret,
         s.created_at,
         s.updated_at
    from vault.secrets s
    cross join vault._local_key k;

create or replace function vault._encrypt(p_secret text)
returns text
language sql
volatile
security definer
set search_path = ''
as $$
  select encode(extensions.pgp_sym_encrypt(p_secret, k.key), 'base64') from vault._local_key k
$$;
revoke all on function vault._encrypt(text) from public, postgres, anon, authenticated, service_role;

create or replace function vault.create_secret(
  new_secret text,
  new_name text default null,
  new_description text default ''
)
returns uuid
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if new_secret is null then
    raise exception 'create_secret: new_secret must not be null' using errcode = '22023';
  end if;
  insert into vault.secrets (secret, name, description)
  values (vault._encrypt(new_secret), new_name, coalesce(new_description, ''))
  returning id into v_id;
  return v_id;
end
$$;

create or replace function vault.update_secret(
  secret_id uuid,
  new_secret text default null,
  new_name text default null,
  new_description text default null
)
returns void
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  update vault.secrets s
     set secret = case when update_secret.new_secret is null then s.secret
                       else vault._encrypt(update_secret.new_secret) end,
         name = coalesce(update_secret.new_name, s.name),
         description = coalesce(update_secret.new_description, s.description),
         updated_at = now()
   where s.id = update_secret.secret_id;
end
$$;

-- PRIVILEGES
grant usage on schema vault to postgres;
revoke all on vault.secrets, vault.decrypted_secrets from public, anon, authenticated, service_role;
revoke all on vault.secrets, vault.decrypted_secrets from postgres;
grant select, delete on vault.secrets to postgres;
grant select on vault.decrypted_secrets to postgres;
revoke all on function vault.create_secret(text, text, text), vault.update_secret(uuid, text, text, text)
  from public, anon, authenticated, service_role;
grant execute on function vault.create_secret(text, text, text), vault.update_secret(uuid, text, text, text)
  to postgres;
