-- RLS on public.job_lanes: service role only (lanes are configuration, read by enqueue_job_v3).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_job_lanes_alice')::text, true);

select ok((select relrowsecurity from pg_class where oid = 'public.job_lanes'::regclass), 'RLS is enabled on job_lanes');
select policies_are('public', 'job_lanes', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.job_lanes', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on job_lanes');
select ok(not has_table_privilege('anon', 'public.job_lanes', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on job_lanes');

-- A USER, even about her own profile
select tests.authenticate_as('rls_job_lanes_alice');
select throws_ok($$select * from public.job_lanes$$, '42501', 'permission denied for table job_lanes', 'a user cannot read job_lanes');
select throws_ok($$insert into public.job_lanes (job_type, job_lane, description) values ('forged', 'x', 'x')$$, '42501', 'permission denied for table job_lanes', 'a user cannot insert');
select throws_ok($$update public.job_lanes set api_provider = null, api_endpoint = null$$, '42501', 'permission denied for table job_lanes', 'a user cannot update');
select throws_ok($$delete from public.job_lanes where job_type = 'report_generation'$$, '42501', 'permission denied for table job_lanes', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.job_lanes$$, '42501', 'permission denied for table job_lanes', 'anon cannot read job_lanes');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.job_lanes to authenticated;
select tests.authenticate_as('rls_job_lanes_alice');
select is_empty($$select 1 from public.job_lanes$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.job_lanes from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.job_lanes where job_type = 'shell_file_processing'), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.job_lanes', 'select, insert, update, delete'), 'the service role reads and writes it');
select ok(exists (select 1 from public.job_lanes where job_type = 'shell_file_processing'), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
