-- Permission matrix: only service_role (and pg_cron, as the owner) may sweep.
begin;
select plan(6);

delete from public.job_queue;
select tests.create_user_with_profile('reclaim_perm_own') as own_profile \gset
select tests.create_user_with_profile('reclaim_perm_other') as other_profile \gset
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, patient_id) values
  ('report_generation', 'standard', 'own', '{"k": 1}', 'processing', 'w1', now() - interval '1 hour', :'own_profile'),
  ('report_generation', 'standard', 'other', '{"k": 1}', 'processing', 'w1', now() - interval '1 hour', :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select * from public.reclaim_expired_jobs()$$, '42501',
  'permission denied for function reclaim_expired_jobs', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('reclaim_perm_own');
select throws_ok($$select * from public.reclaim_expired_jobs()$$, '42501',
  'permission denied for function reclaim_expired_jobs', 'a user with an expired job on their profile is refused');
select tests.clear_authentication();
select tests.authenticate_as('reclaim_perm_other');
select throws_ok($$select * from public.reclaim_expired_jobs()$$, '42501',
  'permission denied for function reclaim_expired_jobs', 'another user is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (2, 0)', 'service_role may sweep');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where status = 'pending'), 2, 'only the service_role call wrote');
select ok(not has_function_privilege('public', 'public.reclaim_expired_jobs()', 'execute'), 'PUBLIC has no EXECUTE');

select * from finish();
rollback;
