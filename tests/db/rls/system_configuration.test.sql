-- RLS on public.system_configuration: service role only (settings are read by the RPCs (security definer) and changed by operators).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_system_configuration_alice')::text, true);

select ok((select relrowsecurity from pg_class where oid = 'public.system_configuration'::regclass), 'RLS is enabled on system_configuration');
select policies_are('public', 'system_configuration', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.system_configuration', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on system_configuration');
select ok(not has_table_privilege('anon', 'public.system_configuration', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on system_configuration');

-- A USER, even about her own profile
select tests.authenticate_as('rls_system_configuration_alice');
select throws_ok($$select * from public.system_configuration$$, '42501', 'permission denied for table system_configuration', 'a user cannot read system_configuration');
select throws_ok($$insert into public.system_configuration (config_key, config_value, value_type, config_type, description) values ('features.forged', 'true', 'boolean', 'feature', 'x')$$, '42501', 'permission denied for table system_configuration', 'a user cannot insert');
select throws_ok($$update public.system_configuration set config_value = '1' where config_key = 'worker.timeout_seconds'$$, '42501', 'permission denied for table system_configuration', 'a user cannot update');
select throws_ok($$delete from public.system_configuration where config_key = 'worker.timeout_seconds'$$, '42501', 'permission denied for table system_configuration', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.system_configuration$$, '42501', 'permission denied for table system_configuration', 'anon cannot read system_configuration');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.system_configuration to authenticated;
select tests.authenticate_as('rls_system_configuration_alice');
select is_empty($$select 1 from public.system_configuration$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.system_configuration from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.system_configuration where config_key = 'worker.timeout_seconds'), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.system_configuration', 'select, insert, update, delete'), 'the service role reads and writes it');
select ok(exists (select 1 from public.system_configuration where config_key = 'worker.timeout_seconds'), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
