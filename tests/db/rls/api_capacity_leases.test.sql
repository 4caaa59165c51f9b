-- RLS on public.api_capacity_leases: service role only (slots are taken and given back only by the rate-limit RPCs).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_api_capacity_leases_alice')::text, true);
insert into public.api_capacity_leases (rate_limit_id, estimated_tokens, minute_window_start, hour_window_start, worker_id, expires_at) select r.id, 10, now(), now(), 'rls-test-worker', now() + interval '1 minute' from public.api_rate_limits r where r.provider_name = 'openai' and r.api_endpoint = 'gpt-4o-mini';
select ok((select relrowsecurity from pg_class where oid = 'public.api_capacity_leases'::regclass), 'RLS is enabled on api_capacity_leases');
select policies_are('public', 'api_capacity_leases', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.api_capacity_leases', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on api_capacity_leases');
select ok(not has_table_privilege('anon', 'public.api_capacity_leases', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on api_capacity_leases');

-- A USER, even about her own profile
select tests.authenticate_as('rls_api_capacity_leases_alice');
select throws_ok($$select * from public.api_capacity_leases$$, '42501', 'permission denied for table api_capacity_leases', 'a user cannot read api_capacity_leases');
select throws_ok($$insert into public.api_capacity_leases (rate_limit_id, estimated_tokens, minute_window_start, hour_window_start, expires_at) select id, 0, now(), now(), now() from public.api_rate_limits limit 1$$, '42501', 'permission denied for table api_capacity_leases', 'a user cannot insert');
select throws_ok($$update public.api_capacity_leases set expires_at = now() + interval '1 year'$$, '42501', 'permission denied for table api_capacity_leases', 'a user cannot update');
select throws_ok($$delete from public.api_capacity_leases$$, '42501', 'permission denied for table api_capacity_leases', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.api_capacity_leases$$, '42501', 'permission denied for table api_capacity_leases', 'anon cannot read api_capacity_leases');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.api_capacity_leases to authenticated;
select tests.authenticate_as('rls_api_capacity_leases_alice');
select is_empty($$select 1 from public.api_capacity_leases$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.api_capacity_leases from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.api_capacity_leases where worker_id = 'rls-test-worker'), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.api_capacity_leases', 'select, insert, update, delete'), 'the service role reads and writes it');
select ok(exists (select 1 from public.api_capacity_leases where worker_id = 'rls-test-worker'), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
