-- Permission matrix: only service_role (the worker) may record a step.
begin;
select plan(6);

select tests.create_user_with_profile('rdi_perm_alice') as alice \gset
select tests.create_user_with_profile('rdi_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1') \gset

select ok(not has_function_privilege('public', 'public.record_document_inspection(uuid, text, integer, integer[])', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format('select public.record_document_inspection(%L, %L, 1, null)', :'own_job', 'w1'), '42501',
  'permission denied for function record_document_inspection', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('rdi_perm_alice');
select throws_ok(format('select public.record_document_inspection(%L, %L, 1, null)', :'own_job', 'w1'), '42501',
  'permission denied for function record_document_inspection', 'a user, on their own profile''s job: refused');
select throws_ok(format('select public.record_document_inspection(%L, %L, 1, null)', :'other_job', 'w1'), '42501',
  'permission denied for function record_document_inspection', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.record_document_inspection(:'own_job', 'w1', 1, null), true, 'service_role: recorded');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where id in (:'own_job', :'other_job') and job_result is not null), 1,
  'only the service_role call wrote');

select * from finish();
rollback;
