-- Permission matrix: only service_role (and the owner, in the SQL editor) may retry a dead letter.
begin;
select plan(6);

select tests.create_user_with_profile('retry_perm_own') as own_profile \gset
select tests.create_user_with_profile('retry_perm_other') as other_profile \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, dead_letter_at, patient_id) values
  ('00000000-0000-4000-8000-000000000607', 'report_generation', 'standard', 'own', '{"k": 1}', 'failed', now(), :'own_profile'),
  ('00000000-0000-4000-8000-000000000608', 'report_generation', 'standard', 'other', '{"k": 1}', 'failed', now(), :'other_profile');

select tests.authenticate_as_anon();
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-000000000607', 'r')$$, '42501',
  'permission denied for function retry_dead_letter', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('retry_perm_own');
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-000000000607', 'r')$$, '42501',
  'permission denied for function retry_dead_letter', 'a user, on their own profile''s job, is refused');
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-000000000608', 'r')$$, '42501',
  'permission denied for function retry_dead_letter', 'a user, on another''s job, is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select ok(public.retry_dead_letter('00000000-0000-4000-8000-000000000607', 'r'), 'service_role may retry');
select tests.clear_authentication();
select is((select count(*)::integer from public.job_queue where status = 'pending'), 1, 'only the service_role call wrote');
select ok(not has_function_privilege('public', 'public.retry_dead_letter(uuid, text)', 'execute'), 'PUBLIC has no EXECUTE');

select * from finish();
rollback;
