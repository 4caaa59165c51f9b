-- RLS on public.job_queue: service role only (even a user's own jobs: the queue is the workers' (service role) business).
-- RLS is on with no policy at all, and anon/authenticated hold no privilege: two locks.
-- Even granted SELECT (as a mistake would), a user would see no row.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('rls_job_queue_alice')::text, true);
insert into public.job_queue (job_type, job_lane, job_name, job_payload, patient_id) values ('ai_processing', 'standard', 'alice job', '{}', current_setting('fix.alice')::uuid);
select ok((select relrowsecurity from pg_class where oid = 'public.job_queue'::regclass), 'RLS is enabled on job_queue');
select policies_are('public', 'job_queue', array[]::name[], 'no policy: nobody but roles that bypass RLS sees a row');
select ok(not has_table_privilege('authenticated', 'public.job_queue', 'select, insert, update, delete, truncate, references, trigger'),
  'authenticated holds no privilege on job_queue');
select ok(not has_table_privilege('anon', 'public.job_queue', 'select, insert, update, delete, truncate, references, trigger'),
  'anon holds no privilege on job_queue');

-- A USER, even about her own profile
select tests.authenticate_as('rls_job_queue_alice');
select throws_ok($$select * from public.job_queue$$, '42501', 'permission denied for table job_queue', 'a user cannot read job_queue');
select throws_ok($$insert into public.job_queue (job_type, job_lane, job_name, job_payload, patient_id, priority) values ('ai_processing', 'priority', 'jump the queue', '{}', current_setting('fix.alice')::uuid, 10)$$, '42501', 'permission denied for table job_queue', 'a user cannot insert');
select throws_ok($$update public.job_queue set priority = 10 where patient_id = current_setting('fix.alice')::uuid$$, '42501', 'permission denied for table job_queue', 'a user cannot update');
select throws_ok($$delete from public.job_queue where patient_id = current_setting('fix.alice')::uuid$$, '42501', 'permission denied for table job_queue', 'a user cannot delete');
select tests.clear_authentication();

select tests.authenticate_as_anon();
select throws_ok($$select * from public.job_queue$$, '42501', 'permission denied for table job_queue', 'anon cannot read job_queue');
select tests.clear_authentication();

-- DENY BY DEFAULT: were SELECT granted by mistake, RLS (no policy) still shows nothing.
grant select on public.job_queue to authenticated;
select tests.authenticate_as('rls_job_queue_alice');
select is_empty($$select 1 from public.job_queue$$, 'granted SELECT by mistake, a user still sees no row');
select tests.clear_authentication();
revoke select on public.job_queue from authenticated;

-- SERVICE ROLE
select tests.authenticate_as_service_role();
select ok(exists (select 1 from public.job_queue where patient_id = current_setting('fix.alice')::uuid), 'the service role reads the rows');
select tests.clear_authentication();
select ok(has_table_privilege('service_role', 'public.job_queue', 'select, insert, update, delete'), 'the service role reads and writes it');
select ok(exists (select 1 from public.job_queue where patient_id = current_setting('fix.alice')::uuid), 'the rows are unchanged by the refused attempts');

select * from finish();
rollback;
