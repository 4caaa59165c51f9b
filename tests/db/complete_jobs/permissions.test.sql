-- Permission matrix: only service_role may complete a batch.
begin;
select plan(9);

select tests.create_user_with_profile('complete_batch_perm_own') as own_profile \gset
select tests.create_user_with_profile('complete_batch_perm_other') as other_profile \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, patient_id) values
  ('00000000-0000-4000-8000-000000000990', 'report_generation', 'standard', 'own', '{"k": 1}', 'processing', 'w', now() - interval '60 seconds', :'own_profile'),
  ('00000000-0000-4000-8000-000000000991', 'report_generation', 'standard', 'other', '{"k": 1}', 'processing', 'w', now() - interval '60 seconds', :'other_profile');
select coalesce(max(id), 0) as audit_max from public.audit_log \gset

select tests.authenticate_as_anon();
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000990', '00000000-0000-4000-8000-000000000991']::uuid[], 'w')$$,
  '42501', 'permission denied for function complete_jobs', 'anon is refused');
select tests.clear_authentication();
select tests.authenticate_as('complete_batch_perm_own');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000990']::uuid[], 'w')$$,
  '42501', 'permission denied for function complete_jobs', 'a user, on their own profile''s job, is refused');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000991']::uuid[], 'w')$$,
  '42501', 'permission denied for function complete_jobs', 'a user, on another''s job, is refused');
select tests.clear_authentication();
select tests.authenticate_as('complete_batch_perm_other');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000990']::uuid[], 'w')$$,
  '42501', 'permission denied for function complete_jobs', 'another user, on the first user''s job, is refused');
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select array_agg(job_id) from public.complete_jobs(array['00000000-0000-4000-8000-000000000990']::uuid[], 'w')),
  array['00000000-0000-4000-8000-000000000990']::uuid[], 'service_role may complete');
select tests.clear_authentication();
select is((select array_agg(id) from public.job_queue where status = 'completed' and id in ('00000000-0000-4000-8000-000000000990',
                                                                                           '00000000-0000-4000-8000-000000000991')),
  array['00000000-0000-4000-8000-000000000990']::uuid[], 'only the service_role call wrote');
select is((select count(*)::integer from public.audit_log where id > :audit_max), 1, 'and only it was audited');
select is((select actor_role from public.audit_log where id > :audit_max), 'service_role', 'the audit event names the caller''s role');
select ok(not has_function_privilege('public', 'public.complete_jobs(uuid[], text, jsonb)', 'execute'), 'PUBLIC has no EXECUTE');

select * from finish();
rollback;
