-- The API surface of the client roles, reviewed: every schema anon and authenticated (the
-- roles PostgREST and Storage run a request as) may use, every function they may execute and
-- every table or view they may read or write, in EVERY non-system schema. Each set must EQUAL
-- its allow-list, each entry with its reason: a new grant (or a forgotten revoke, since
-- Supabase grants new objects in public to anon and authenticated) fails here until someone
-- adds it below and says why.
--
-- What "may" means: the privilege on the object AND USAGE on its schema (an object in a
-- schema the role cannot use is out of its reach whatever its own ACL says: cron.job_run_details
-- grants anon DELETE, but anon has no USAGE on cron). Column-level grants count
-- (has_any_column_privilege). Schema USAGE is itself on a reviewed list (first test).
--
-- Which schemas: all but PostgreSQL's own (pg_catalog, information_schema, pg_toast, pg_temp_*)
-- and `tests`. `tests` holds the pgTAP fixtures of sql/tests/helpers.sql, which only the test
-- command installs into its throw-away database: no migration creates it and no deployed
-- database has it (its functions are invokers and switch roles only as far as the caller
-- already may). Listing it here would review test code, not the product.
--
-- Extension-owned objects are left out of the per-object lists: their privileges come from the
-- extension's own install script (pgcrypto, uuid-ossp, pgtap in `extensions`; pg_cron in
-- `cron`), not from this project's migrations, and pgtap exists on test databases only. What
-- this project does decide is who may USE the schemas they live in, and the
-- "extension outside extensions" test below makes sure none of them becomes reachable that way.
--
-- Local stand-ins: auth, storage, net and vault are created by sql/local/ as hosted Supabase
-- has them. Hosted pg_net is an extension and grants PUBLIC more than the local net does
-- (sql/local/04_net.sql); code that works under the stricter local grants works there too.
begin;
select plan(12);

-- -----------------------------------------------------------------------------
-- SCHEMAS anon or authenticated may use ("role schema")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || n.nspname
      from pg_catalog.pg_namespace n
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname not in ('pg_catalog', 'information_schema', 'tests')
       and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       and has_schema_privilege(r.rolname, n.oid, 'usage')$$,
  $$select r.rolname || ' ' || s.nspname
      from (values ('anon'), ('authenticated')) r (rolname)
      cross join (values
        -- The API schema PostgREST exposes; what is reachable in it is listed below.
        ('public'),
        -- auth.uid()/role()/jwt()/email(): read the caller's own JWT claims (RLS policies call them).
        ('auth'),
        -- Extension functions the API roles use (gen_random_uuid in column defaults, ...).
        ('extensions'),
        -- Storage runs each request as the caller; RLS on storage.objects decides (policies in 0950).
        ('storage'),
        -- As hosted grants it, so a refusal names the function or table; every function and
        -- table in it is revoked from the API roles (nothing below is in net).
        ('net')) s (nspname)$$,
  'schemas usable by anon/authenticated are exactly the reviewed ones (private, ops, vault, cron, supabase_migrations: none)'
);

select is_empty(
  $$select r.rolname || ' ' || n.nspname
      from pg_catalog.pg_namespace n
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname !~ '^pg_(temp_|toast_temp_)'
       and has_schema_privilege(r.rolname, n.oid, 'create')$$,
  'anon and authenticated may create objects in no schema (temporary schemas aside: see search_path_hijack)');

-- -----------------------------------------------------------------------------
-- FUNCTIONS executable by anon or authenticated ("role schema.fn(argtypes)")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || format('%s.%s(%s)', n.nspname, p.proname, pg_catalog.oidvectortypes(p.proargtypes))
      from pg_catalog.pg_proc p
      join pg_catalog.pg_namespace n on n.oid = p.pronamespace
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname not in ('pg_catalog', 'information_schema', 'tests')
       and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       and has_schema_privilege(r.rolname, n.oid, 'usage')
       and has_function_privilege(r.rolname, p.oid, 'execute')
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  array[
    -- PUBLIC --------------------------------------------------------------------
    -- Role check used by RLS policies and RPC guards; may be evaluated in an anon request.
    -- Reveals nothing but whether the caller is the service role.
    'anon public.is_service_role()',
    'authenticated public.is_service_role()',
    -- Admin check for policies/UI; reads the private admin list as definer, answers for auth.uid() only.
    'authenticated public.is_admin()',
    -- Called by every profile-scoped RLS policy as the querying user, so it must be executable
    -- by authenticated; answers only a yes/no about a (user, profile) pair, and for a signed-in
    -- caller only about themselves (20261122001100_hardening).
    'authenticated public.has_profile_access(uuid, uuid)',
    -- The app counts its own uploads; guarded by has_profile_access, sizes read from shell_files.
    'authenticated public.track_shell_file_upload_usage(uuid, uuid)',
    -- The app shows a profile's usage and limits; guarded by has_profile_access.
    'authenticated public.get_user_usage_status(uuid)',
    -- The app polls a document's processing progress; guarded by has_profile_access on the
    -- file's patient (another's file is "not found"); returns counters and the user-safe error.
    'authenticated public.get_processing_status(uuid)',
    -- AUTH (GoTrue's; local stand-in sql/local/02_auth.sql) ------------------------
    -- The caller's own claims (request.jwt.claims); RLS policies and RPC guards call them.
    'anon auth.uid()', 'authenticated auth.uid()',
    'anon auth.role()', 'authenticated auth.role()',
    'anon auth.jwt()', 'authenticated auth.jwt()',
    'anon auth.email()', 'authenticated auth.email()',
    -- STORAGE (Storage's; local stand-in sql/local/03_storage.sql) ------------------
    -- Pure string helpers over an object name; the medical-docs policies call foldername().
    'anon storage.foldername(text)', 'authenticated storage.foldername(text)',
    'anon storage.filename(text)', 'authenticated storage.filename(text)',
    'anon storage.extension(text)', 'authenticated storage.extension(text)',
    -- EVENT TRIGGER FUNCTIONS: executable by PUBLIC as created, but PostgreSQL refuses any
    -- direct call ("trigger functions can only be called as triggers"; proven below).
    -- Local bootstrap only: PostgREST's schema reload and the guard on the storage tables.
    'anon extensions.pgrst_ddl_watch()', 'authenticated extensions.pgrst_ddl_watch()',
    'anon storage.guard_owner_ddl()', 'authenticated storage.guard_owner_ddl()'
    -- Nothing in net (http_get/post/delete: postgres and service_role only), vault, private, ops.
  ],
  'functions executable by anon/authenticated, in every schema, are exactly the reviewed ones'
);

-- The reason given for the event trigger functions above, shown.
select tests.authenticate_as_anon();
select throws_ok('select extensions.pgrst_ddl_watch()', '0A000', 'trigger functions can only be called as triggers',
  'anon cannot run extensions.pgrst_ddl_watch() by calling it');
select throws_ok('select storage.guard_owner_ddl()', '0A000', 'trigger functions can only be called as triggers',
  'anon cannot run storage.guard_owner_ddl() by calling it');
select tests.clear_authentication();

-- -----------------------------------------------------------------------------
-- TABLES AND VIEWS readable by anon or authenticated ("role schema.table")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || n.nspname || '.' || c.relname
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname not in ('pg_catalog', 'information_schema', 'tests')
       and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and has_schema_privilege(r.rolname, n.oid, 'usage')
       and has_any_column_privilege(r.rolname, c.oid, 'select')
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')$$,
  array[
    -- PUBLIC --------------------------------------------------------------------
    -- Profiles: RLS shows owned profiles and those granted (has_profile_access).
    'authenticated public.user_profiles',
    -- Grants: RLS shows the grants made to the user and those on profiles they own.
    'authenticated public.profile_access_grants',
    -- Documents and their processing results: RLS through has_profile_access(patient_id).
    'authenticated public.shell_files',
    'authenticated public.shell_file_pages',
    'authenticated public.page_entity_detections',
    'authenticated public.clinical_extractions',
    'authenticated public.clinical_narratives',
    -- The plan catalogue (public prices and limits), to signed-in users.
    'authenticated public.subscription_plans',
    -- Usage counters and the usage ledger: RLS through has_profile_access(profile_id).
    'authenticated public.user_usage_tracking',
    'authenticated public.usage_events',
    -- anon reads nothing in public. Service-only: system_configuration, audit_log, job_lanes,
    -- job_queue, api_rate_limits, api_capacity_leases.
    -- STORAGE -------------------------------------------------------------------
    -- Granted to the API roles as on hosted Supabase; RLS decides. buckets has no policy
    -- (nobody but service_role sees a bucket row); objects: medical_docs_select, authenticated
    -- only, objects in a folder of a profile they can access.
    'anon storage.buckets', 'authenticated storage.buckets',
    'anon storage.objects', 'authenticated storage.objects'
    -- Nothing in auth (auth.users: postgres and service_role only), net, vault, private, ops.
  ],
  'tables/views readable by anon/authenticated, in every schema, are exactly the reviewed ones'
);

-- -----------------------------------------------------------------------------
-- TABLES writable by anon or authenticated ("role schema.table PRIVILEGE")
-- -----------------------------------------------------------------------------
select set_eq(
  $$select r.rolname || ' ' || n.nspname || '.' || c.relname || ' ' || upper(x.priv)
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      cross join (values ('anon'), ('authenticated')) r (rolname)
      cross join (values ('insert'), ('update'), ('delete'), ('truncate'), ('references'), ('trigger')) x (priv)
     where n.nspname not in ('pg_catalog', 'information_schema', 'tests')
       and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       and c.relkind in ('r', 'p', 'v', 'm', 'f')
       and has_schema_privilege(r.rolname, n.oid, 'usage')
       and case when x.priv in ('insert', 'update', 'references')
                then has_any_column_privilege(r.rolname, c.oid, x.priv)
                else has_table_privilege(r.rolname, c.oid, x.priv) end
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')$$,
  $$select e from unnest(array[
      -- A user creates, renames and deletes the profiles they own (RLS: account_owner_id = auth.uid()).
      'authenticated public.user_profiles INSERT',
      'authenticated public.user_profiles UPDATE',
      'authenticated public.user_profiles DELETE',
      -- A profile's owner grants and revokes access to it (RLS: owner of the profile only).
      'authenticated public.profile_access_grants INSERT',
      'authenticated public.profile_access_grants UPDATE',
      'authenticated public.profile_access_grants DELETE'
    ]) e
    union all
    -- STORAGE: hosted Supabase grants ALL on storage.buckets and storage.objects to the API roles
    -- (sql/local/03_storage.sql does the same) and lets RLS restrict rows: uploads and deletes
    -- through the medical_docs_insert/_delete policies, no UPDATE policy (no move, no upsert),
    -- no policy at all on buckets. TRUNCATE, REFERENCES and TRIGGER do not pass through RLS, but
    -- no client can issue them: PostgREST exposes only public, and the Storage service runs
    -- its own fixed statements as the caller.
    select r || ' storage.' || t || ' ' || p
      from (values ('anon'), ('authenticated')) r (r),
           (values ('buckets'), ('objects')) t (t),
           (values ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER')) p (p)$$,
  'tables writable by anon/authenticated, in every schema, are exactly the reviewed ones'
);

-- -----------------------------------------------------------------------------
-- SEQUENCES, SCHEMAS private/ops, EXTENSIONS outside `extensions`, PUBLIC
-- -----------------------------------------------------------------------------
select is_empty(
  $$select r.rolname || ' ' || n.nspname || '.' || c.relname
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname not in ('pg_catalog', 'information_schema', 'tests')
       and n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
       and c.relkind = 'S'
       and has_schema_privilege(r.rolname, n.oid, 'usage')
       and has_sequence_privilege(r.rolname, c.oid, 'usage, select, update')$$,
  'no sequence, in any schema, is usable by anon or authenticated');

select is_empty(
  $$select r.rolname || ' ' || s.nspname
      from (values ('private'), ('ops'), ('vault')) s (nspname)
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where has_schema_privilege(r.rolname, s.nspname, 'usage')$$,
  'anon and authenticated have no USAGE on private, ops or vault');

-- Extension objects are left out above because their own scripts grant them; an extension
-- living in a schema of its own (pg_cron in cron) must then stay out of reach entirely.
select is_empty(
  $$select r.rolname || ' ' || n.nspname || '.' || o.name
      from (select p.pronamespace as nsp, p.oid::regprocedure::text as name, 'f' as kind, p.oid
              from pg_catalog.pg_proc p
             where exists (select 1 from pg_catalog.pg_depend d
                            where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')
            union all
            select c.relnamespace, c.relname::text, 'r', c.oid
              from pg_catalog.pg_class c
             where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
               and exists (select 1 from pg_catalog.pg_depend d
                            where d.classid = 'pg_catalog.pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')) o
      join pg_catalog.pg_namespace n on n.oid = o.nsp
      cross join (values ('anon'), ('authenticated')) r (rolname)
     where n.nspname not in ('pg_catalog', 'information_schema', 'extensions')
       and has_schema_privilege(r.rolname, n.oid, 'usage')
       and case when o.kind = 'f' then has_function_privilege(r.rolname, o.oid, 'execute')
                else has_table_privilege(r.rolname, o.oid, 'select, insert, update, delete, truncate') end$$,
  'no extension object outside schema extensions (pg_cron''s cron.*) is reachable by anon or authenticated');

-- PUBLIC (every role, present and future) executes nothing in this project's own schemas.
select is_empty(
  $$select p.oid::regprocedure::text
      from pg_catalog.pg_proc p, pg_catalog.aclexplode(coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))) a
     where p.pronamespace in (select n.oid from pg_catalog.pg_namespace n
                               where n.nspname in ('public', 'private', 'ops', 'net', 'vault'))
       and a.grantee = 0
       and not exists (select 1 from pg_catalog.pg_depend d
                        where d.classid = 'pg_catalog.pg_proc'::regclass and d.objid = p.oid and d.deptype = 'e')$$,
  'PUBLIC can execute no function in public, private, ops, net or vault');

-- Tables in public: nothing for PUBLIC either (a grant to PUBLIC reaches anon).
select is_empty(
  $$select c.oid::regclass::text || ' ' || a.privilege_type
      from pg_catalog.pg_class c, pg_catalog.aclexplode(coalesce(c.relacl, pg_catalog.acldefault('r', c.relowner))) a
     where c.relnamespace in (select n.oid from pg_catalog.pg_namespace n
                               where n.nspname in ('public', 'private', 'ops', 'net', 'vault'))
       and c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
       and a.grantee = 0$$,
  'PUBLIC holds no privilege on any table, view or sequence in public, private, ops, net or vault');

select * from finish();
rollback;
