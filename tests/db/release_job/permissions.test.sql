-- Permission matrix: only service_role (the worker) may release a job.
begin;
select plan(6);

select tests.create_user_with_profile('rj_perm_alice') as alice \gset
select tests.create_user_with_profile('rj_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1') \gset

select ok(not has_function_privilege('public', 'public.release_job(uuid, text)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format($$select public.release_job(%L, 'w1')$$, :'own_job'), '42501', 'permission denied for function release_job', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('rj_perm_alice');
select throws_ok(format($$select public.release_job(%L, 'w1')$$, :'own_job'), '42501', 'permission denied for function release_job', 'a user, on their own profile''s job: refused');
select throws_ok(format($$select public.release_job(%L, 'w1')$$, :'other_job'), '42501', 'permission denied for function release_job', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.release_job(:'own_job', 'w1'), true, 'service_role: released');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where id in (:'own_job', :'other_job') and status = 'pending'), 1, 'only the service_role call wrote');

select * from finish();
rollback;
