-- Permission matrix: only service_role may checkpoint.
begin;
select plan(6);

select tests.create_user_with_profile('checkpoint_perm_own') as own_profile \gset
select tests.create_user_with_profile('checkpoint_perm_other') as other_profile \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, patient_id) values
  ('00000000-0000-4000-8000-000000000207', 'report_generation', 'standard', 'own', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds', :'own_profile'),
  ('00000000-0000-4000-8000-000000000208', 'report_generation', 'standard', 'other', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds', :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select public.checkpoint_job('00000000-0000-4000-8000-000000000207', 'w1', '{"p": 1}')$$, '42501',
  'permission denied for function checkpoint_job', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('checkpoint_perm_own');
select throws_ok($$select public.checkpoint_job('00000000-0000-4000-8000-000000000207', 'w1', '{"p": 1}')$$, '42501',
  'permission denied for function checkpoint_job', 'a user, on their own profile''s job, is refused');
select throws_ok($$select public.checkpoint_job('00000000-0000-4000-8000-000000000208', 'w1', '{"p": 1}')$$, '42501',
  'permission denied for function checkpoint_job', 'a user, on another''s job, is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select ok(public.checkpoint_job('00000000-0000-4000-8000-000000000207', 'w1', '{"p": 1}'), 'service_role may checkpoint');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where job_result is not null), 1, 'only the service_role call wrote');
select ok(not has_function_privilege('public', 'public.checkpoint_job(uuid, text, jsonb)', 'execute'), 'PUBLIC has no EXECUTE');

select * from finish();
rollback;
