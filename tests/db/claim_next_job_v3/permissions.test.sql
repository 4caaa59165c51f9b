-- Permission matrix: only service_role may claim.
begin;
select plan(6);

delete from public.job_queue;
select tests.create_user_with_profile('claim_perm_own') as own_profile \gset
select tests.create_user_with_profile('claim_perm_other') as other_profile \gset
insert into public.job_queue (job_type, job_lane, job_name, job_payload, patient_id) values
  ('report_generation', 'standard', 'own', '{"k": 1}', :'own_profile'),
  ('report_generation', 'standard', 'other', '{"k": 1}', :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select * from public.claim_next_job_v3('w')$$, '42501',
  'permission denied for function claim_next_job_v3', 'anon is refused');

select tests.clear_authentication();
select tests.authenticate_as('claim_perm_own');
select throws_ok($$select * from public.claim_next_job_v3('w', array['report_generation'])$$, '42501',
  'permission denied for function claim_next_job_v3', 'a user is refused, even with a job for their own profile queued');

select tests.clear_authentication();
select tests.authenticate_as('claim_perm_other');
select throws_ok($$select * from public.claim_next_job_v3('w')$$, '42501',
  'permission denied for function claim_next_job_v3', 'another user is refused');

select tests.clear_authentication();
select tests.authenticate_as_service_role();
select isnt((select job_id from public.claim_next_job_v3('w')), null, 'service_role claims a job');

select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where status = 'processing'), 1, 'only the service_role call claimed');
select ok(not has_function_privilege('public', 'public.claim_next_job_v3(text, text[], text[])', 'execute'),
  'PUBLIC has no EXECUTE');

select * from finish();
rollback;
