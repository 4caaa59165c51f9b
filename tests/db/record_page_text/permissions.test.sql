-- Permission matrix: only service_role (the worker) may record a step.
begin;
select plan(6);

select tests.create_user_with_profile('rpt_perm_alice') as alice \gset
select tests.create_user_with_profile('rpt_perm_bob') as bob \gset
select job_id as own_job from tests.create_processing_job(:'alice', 'w1', '{"page_count": 1, "text_done": 0}') \gset
select job_id as other_job from tests.create_processing_job(:'bob', 'w1', '{"page_count": 1, "text_done": 0}') \gset

select ok(not has_function_privilege('public', 'public.record_page_text(uuid, text, integer, text, text, numeric, text, integer)', 'execute'), 'PUBLIC has no EXECUTE');
select tests.authenticate_as_anon();
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null)$$, :'own_job'), '42501',
  'permission denied for function record_page_text', 'anon: refused');
select tests.clear_authentication();
select tests.authenticate_as('rpt_perm_alice');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null)$$, :'own_job'), '42501',
  'permission denied for function record_page_text', 'a user, on their own profile''s job: refused');
select throws_ok(format($$select public.record_page_text(%L, 'w1', 1, 'ocr', 't', null, null)$$, :'other_job'), '42501',
  'permission denied for function record_page_text', 'a user, on another''s job: refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is(public.record_page_text(:'own_job', 'w1', 1, 'ocr', 't', null, null), true, 'service_role: recorded');
select tests.clear_authentication();
select is((select count(*)::integer from public.shell_file_pages where job_id in (:'own_job', :'other_job')), 1, 'only the service_role call wrote');

select * from finish();
rollback;
