-- Permission matrix: only service_role (and the owner, in the SQL editor) may cancel.
begin;
select plan(6);

select tests.create_user_with_profile('cancel_perm_own') as own_profile \gset
select tests.create_user_with_profile('cancel_perm_other') as other_profile \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id) values
  ('00000000-0000-4000-8000-000000000707', 'report_generation', 'standard', 'own', '{"k": 1}', :'own_profile'),
  ('00000000-0000-4000-8000-000000000708', 'report_generation', 'standard', 'other', '{"k": 1}', :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-000000000707', 'r')$$, '42501',
  'permission denied for function cancel_job', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('cancel_perm_own');
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-000000000707', 'r')$$, '42501',
  'permission denied for function cancel_job', 'a user, on their own profile''s job, is refused');
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-000000000708', 'r')$$, '42501',
  'permission denied for function cancel_job', 'a user, on another''s job, is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select ok(public.cancel_job('00000000-0000-4000-8000-000000000707', 'r'), 'service_role may cancel');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where status = 'cancelled'), 1, 'only the service_role call wrote');
select ok(not has_function_privilege('public', 'public.cancel_job(uuid, text)', 'execute'), 'PUBLIC has no EXECUTE');

select * from finish();
rollback;
