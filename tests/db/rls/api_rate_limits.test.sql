-- RLS on public.api_rate_limits: service role only (limits and counters are changed only by acquire/release (service role)).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_api_rate_limits_alice')::text, true);

select ok((select relrowsecurity from pg_class where oid = 'public.api_rate_limits'::regclass), 'RLS is enabled on api_rate_limits');
select policies_are('public', 'api_rate_limits', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.api_rate_limits', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on api_rate_limits');
select ok(not has_table_privilege('anon', 'public.api_rate_limits', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on api_rate_limits');

-- A USER, even about her own profile
select tests.authenticate_as('rls_api_rate_limits_alice');
select throws_ok($$select * from public.api_rate_limits$$, '42501', 'permission denied for table api_rate_limits', 'a user cannot read api_rate_limits');
select throws_ok($$insert into public.api_rate_limits (provider_name, api_endpoint) values ('forged', 'x')$$, '42501', 'permission denied for table api_rate_limits', 'a user cannot insert');
select throws_ok($$update public.api_rate_limits set requests_per_minute = 1000000$$, '42501', 'permission denied for table api_rate_limits', 'a user cannot update');
select throws_ok($$delete from public.api_rate_limits$$, '42501', 'permission denied for table api_rate_limits', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.api_rate_limits$$, '42501', 'permission denied for table api_rate_limits', 'anon cannot read api_rate_limits');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.api_rate_limits to authenticated;
select tests.authenticate_as('rls_api_rate_limits_alice');
select is_empty($$select 1 from public.api_rate_limits$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.api_rate_limits from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.api_rate_limits where provider_name = 'openai'), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.api_rate_limits', 'select, insert, update, delete'), 'the service role reads and writes it');
select ok(exists (select 1 from public.api_rate_limits where provider_name = 'openai'), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
