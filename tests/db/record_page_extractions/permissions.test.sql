-- Permission matrix: only service_role (the worker) may record a step.
begin;
select plan(6);

select tests.create_user_with_profile('rpx_perm_alice') as alice \gset
select tests.create_user_with_profile('rpx_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1', '{"page_count": 1, "text_done": 1, "pass1_done": 1}') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1', '{"page_count": 1, "text_done": 1, "pass1_done": 1}') \gset

select ok(not has_function_privilege('public', 'public.record_page_extractions(uuid, text, integer, jsonb, text, integer)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[{"category": "other", "label": "x"}]', 'm')$$, :'own_job'), '42501',
  'permission denied for function record_page_extractions', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('rpx_perm_alice');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[{"category": "other", "label": "x"}]', 'm')$$, :'own_job'), '42501',
  'permission denied for function record_page_extractions', 'a user, on their own profile''s job: refused');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[{"category": "other", "label": "x"}]', 'm')$$, :'other_job'), '42501',
  'permission denied for function record_page_extractions', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.record_page_extractions(:'own_job', 'w1', 1, '[{"category": "other", "label": "x"}]', 'm'), true, 'service_role: recorded');
select tests.clear_authentication();
select is((select count(*)::integer from public.clinical_extractions where job_id in (:'own_job', :'other_job')), 1, 'only the service_role call wrote');

select * from finish();
rollback;
