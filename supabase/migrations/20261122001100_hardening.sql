-- =============================================================================
-- 1100 HARDENING (issue 5, "Security"): what the security tests found, fixed.
-- Each item names the test that shows it (tests/stack/security_*.test.ts,
-- tests/stack/bad_input_property.test.ts, tests/db/...).
--
--   1. has_profile_access: a signed-in caller asks only about themselves. It answered any
--      (user, profile) pair, so user A could learn who owns or was granted B's profile.
--   2. get_processing_status, track_shell_file_upload_usage: "not found" reaches callers
--      through PostgREST as HTTP 404 (code P0002) through private.raise_not_found. PostgREST
--      maps a plain P0002 to 500, so every poll of another's or a made-up file was a 5xx.
--      SQL callers still get SQLSTATE P0002 with the same message.
--   3. create_shell_file_job: a name ending in ".." inside the path ("a../b.pdf", "..."),
--      which Storage accepts, is refused with 22023. It broke shell_files' CHECK (23514),
--      which the intake answered with a 500.
--   4. create_shell_file_job: idempotency keys belong to the submitting user (unique on
--      uploaded_by, idempotency_key). Global keys let user A take the key B's app derives for
--      B's next upload (sha256 of the path in the demo app): B's upload was then refused, and
--      A's 409 told A that B had submitted that file.
--   5. log_audit_events: with an actor, every job_id must be a job of a patient the actor can
--      access. A job id without a patient id let a user write events into another patient's
--      job history.
--   6. user_profiles: clients cannot choose or change a profile's id (column privileges). A
--      duplicate-key error (409) told a user whether a guessed id is someone's profile.
--   7. profile_access_grants: clients cannot set granted_by (nor id); the database records the
--      granting user (default auth.uid()). A user could name someone else as the grantor.
--
-- The function fixes (1, 2, 3, 5) are made where each function is defined (0100 for
-- private.raise_not_found, 0200, 0700, 0950): nothing has been deployed yet. This file holds
-- the table changes (4, 6, 7), guarded so that re-running it changes nothing.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs (review 000). One error naming everything missing.
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
  v_name text;
begin
  foreach v_name in array array['public.user_profiles', 'public.profile_access_grants', 'public.shell_files'] loop
    if to_regclass(v_name) is null then
      v_missing := v_missing || ('table ' || v_name);
    end if;
  end loop;
  if to_regprocedure('auth.uid()') is null then
    v_missing := v_missing || 'function auth.uid()'::text;
  end if;
  if cardinality(v_missing) > 0 then
    raise exception '20261122001100_hardening: missing dependencies: %', array_to_string(v_missing, '; ')
      using hint = 'Apply migrations 0100-0950 first.';
  end if;
end
$$;

-- =============================================================================
-- 4. Idempotency keys per submitting user
-- =============================================================================
-- The key's unique constraint keeps its name (20261122000900_verify checks that
-- shell_files_idempotency_key_key exists) and gains the submitter: (uploaded_by, idempotency_key).
-- Rows whose uploader was deleted (uploaded_by null) no longer collide with anyone.
do $$
begin
  if exists (select 1 from pg_catalog.pg_constraint c
              where c.conrelid = 'public.shell_files'::regclass
                and c.conname = 'shell_files_idempotency_key_key'
                and c.conkey = array[(select a.attnum from pg_catalog.pg_attribute a
                                       where a.attrelid = 'public.shell_files'::regclass
                                         and a.attname = 'idempotency_key')]::smallint[]) then
    alter table public.shell_files drop constraint shell_files_idempotency_key_key;
  end if;
  if not exists (select 1 from pg_catalog.pg_constraint c
                  where c.conrelid = 'public.shell_files'::regclass
                    and c.conname = 'shell_files_idempotency_key_key') then
    alter table public.shell_files
      add constraint shell_files_idempotency_key_key unique (uploaded_by, idempotency_key);
  end if;
end
$$;

-- =============================================================================
-- 6 + 7. What a client may write in user_profiles and profile_access_grants, by column.
-- RLS decides which rows; these decide which columns: never an id (a duplicate-key error
-- would tell whether an id is taken), never timestamps, never who granted.
-- Revoking the table-level privilege also revokes column privileges, so re-running this
-- block ends in the same grants.
-- =============================================================================
revoke insert, update on public.user_profiles from authenticated;
grant insert (account_owner_id, profile_type, display_name, date_of_birth, archived)
  on public.user_profiles to authenticated;
grant update (account_owner_id, profile_type, display_name, date_of_birth, archived, updated_at)
  on public.user_profiles to authenticated;

revoke insert, update on public.profile_access_grants from authenticated;
grant insert (profile_id, grantee_id, access_level, expires_at, revoked_at)
  on public.profile_access_grants to authenticated;
grant update (access_level, expires_at, revoked_at)
  on public.profile_access_grants to authenticated;
-- The granting user, recorded by the database (null for the service role and SQL sessions).
alter table public.profile_access_grants alter column granted_by set default auth.uid();

-- =============================================================================
-- VERIFY: what this file promises, checked once, one error listing every problem.
-- =============================================================================
do $$
declare
  v_problems text[] := array[]::text[];
begin
  if not exists (select 1 from pg_catalog.pg_constraint c
                  where c.conrelid = 'public.shell_files'::regclass
                    and c.conname = 'shell_files_idempotency_key_key' and c.contype = 'u'
                    and pg_catalog.pg_get_constraintdef(c.oid) = 'UNIQUE (uploaded_by, idempotency_key)') then
    v_problems := v_problems || 'constraint shell_files_idempotency_key_key UNIQUE (uploaded_by, idempotency_key)'::text;
  end if;
  if has_column_privilege('authenticated', 'public.user_profiles', 'id', 'insert')
     or has_column_privilege('authenticated', 'public.user_profiles', 'id', 'update')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'id', 'insert')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'granted_by', 'insert')
     or has_column_privilege('authenticated', 'public.profile_access_grants', 'granted_by', 'update') then
    v_problems := v_problems || 'authenticated must not write user_profiles.id, profile_access_grants.id or .granted_by'::text;
  end if;
  if not has_column_privilege('authenticated', 'public.user_profiles', 'display_name', 'insert')
     or not has_column_privilege('authenticated', 'public.profile_access_grants', 'revoked_at', 'update') then
    v_problems := v_problems || 'authenticated must still create profiles and revoke grants'::text;
  end if;
  if (select pg_catalog.pg_get_expr(d.adbin, d.adrelid) from pg_catalog.pg_attrdef d
       join pg_catalog.pg_attribute a on a.attrelid = d.adrelid and a.attnum = d.adnum
      where d.adrelid = 'public.profile_access_grants'::regclass and a.attname = 'granted_by') is distinct from 'auth.uid()' then
    v_problems := v_problems || 'profile_access_grants.granted_by default auth.uid()'::text;
  end if;

  if cardinality(v_problems) > 0 then
    raise exception '20261122001100_hardening: % problem(s): %', cardinality(v_problems), array_to_string(v_problems, '; ');
  end if;
end
$$;
