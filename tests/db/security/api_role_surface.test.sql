-- The API surface of the client roles, reviewed: what anon and authenticated (the roles
-- PostgREST runs a request as) may execute in public/private, and which tables and views
-- of public they may read or write. Each set must EQUAL its allow-list: a new grant
-- (or a forgotten revoke, since Supabase grants new objects to anon and authenticated)
-- fails here until someone adds it below with the reason. Extension-owned objects are
-- excluded. Column-level grants count (has_any_column_privilege).
begin;
select plan(6);

-- -----------------------------------------------------------------------------
-- FUNCTIONS executable by anon or authenticated ("role schema.fn(argtypes)")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || format('%s.%s(%s)', n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes))
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname in ('public', 'private')
       and has_function_privilege(r.rolname, p.oid, 'execute')
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  array[
    -- Role check used by RLS policies and RPC guards; may be evaluated in an anon request.
    -- Reveals nothing but whether the caller is the service role.
    'anon public.is_service_role()',
    'authenticated public.is_service_role()',
    -- Admin check for policies/UI; reads the private admin list as definer, answers for auth.uid() only.
    'authenticated public.is_admin()',
    -- Called by every profile-scoped RLS policy as the querying user, so it must be executable
    -- by authenticated; answers only a yes/no about a (user, profile) pair.
    'authenticated public.has_profile_access(uuid, uuid)',
    -- The app counts its own uploads; guarded by has_profile_access, sizes read from shell_files.
    'authenticated public.track_shell_file_upload_usage(uuid, uuid)',
    -- The app shows a profile's usage and limits; guarded by has_profile_access.
    'authenticated public.get_user_usage_status(uuid)',
    -- The app polls a document's processing progress; guarded by has_profile_access on the
    -- file's patient (another's file is "not found"); returns counters and the user-safe error.
    'authenticated public.get_processing_status(uuid)'
  ],
  'functions executable by anon/authenticated are exactly the reviewed ones'
);

-- -----------------------------------------------------------------------------
-- TABLES AND VIEWS in public readable by anon or authenticated ("role table")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || c.relname
      from pg_catalog.pg_class c
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and has_any_column_privilege(r.rolname, c.oid, 'select')
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')$$,
  array[
    -- Profiles: RLS shows owned profiles and those granted (has_profile_access).
    'authenticated user_profiles',
    -- Grants: RLS shows the grants made to the user and those on profiles they own.
    'authenticated profile_access_grants',
    -- Documents and their processing results: RLS through has_profile_access(patient_id).
    'authenticated shell_files',
    'authenticated shell_file_pages',
    'authenticated page_entity_detections',
    'authenticated clinical_extractions',
    'authenticated clinical_narratives',
    -- The plan catalogue (public prices and limits), to signed-in users.
    'authenticated subscription_plans',
    -- Usage counters and the usage ledger: RLS through has_profile_access(profile_id).
    'authenticated user_usage_tracking',
    'authenticated usage_events'
    -- anon reads nothing. Service-only: system_configuration, audit_log, job_lanes, job_queue,
    -- api_rate_limits, api_capacity_leases.
  ],
  'tables/views readable by anon/authenticated are exactly the reviewed ones'
);

-- -----------------------------------------------------------------------------
-- TABLES in public writable by anon or authenticated ("role table PRIVILEGE")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || c.relname || ' ' || upper(x.priv)
      from pg_catalog.pg_class c
      cross join (values ('anon'), ('authenticated')) r (rolname)
      cross join (values ('insert'), ('update'), ('delete'), ('truncate'), ('references'), ('trigger')) x (priv)
     where c.relnamespace = 'public'::regnamespace
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and case when x.priv in ('insert', 'update', 'references')
                then has_any_column_privilege(r.rolname, c.oid, x.priv)
                else has_table_privilege(r.rolname, c.oid, x.priv) end
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')$$,
  array[
    -- A user creates, renames and deletes the profiles they own (RLS: account_owner_id = auth.uid()).
    'authenticated user_profiles INSERT',
    'authenticated user_profiles UPDATE',
    'authenticated user_profiles DELETE',
    -- A profile's owner grants and revokes access to it (RLS: owner of the profile only).
    'authenticated profile_access_grants INSERT',
    'authenticated profile_access_grants UPDATE',
    'authenticated profile_access_grants DELETE'
  ],
  'tables writable by anon/authenticated are exactly the reviewed ones'
);

-- -----------------------------------------------------------------------------
-- SCHEMAS: private and ops are closed to the client roles; sequences in public too.
-- -----------------------------------------------------------------------------
select is_empty(
  $$select r.rolname || ' ' || s.nspname
      from (values ('private'), ('ops')) s (nspname)
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where has_schema_privilege(r.rolname, s.nspname, 'usage')$$,
  'anon and authenticated have no USAGE on private or ops');
select is_empty(
  $$select r.rolname || ' ' || c.relname
      from pg_catalog.pg_class c
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where c.relnamespace = 'public'::regnamespace and c.relkind = 'S'
       and has_sequence_privilege(r.rolname, c.oid, 'usage, select, update')$$,
  'no sequence in public is usable by anon or authenticated');

-- PUBLIC (every role, present and future) executes nothing in public/private.
select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc p, pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
     where p.pronamespace in ('public'::regnamespace, 'private'::regnamespace)
       and a.grantee = 0
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  'PUBLIC can execute no function in public or private');

select * from finish();
rollback;
