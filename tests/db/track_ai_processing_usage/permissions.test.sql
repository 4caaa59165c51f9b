-- service_role only: anon and authenticated (even for their own profile) have no EXECUTE.
begin;
select plan(6);

select set_config('fix.alice', tests.create_user_with_profile('taiu_perm_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('taiu_perm_bob')::text, true);
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id)
values ('b0000000-0000-4000-8000-0000000000e1', 'ai_processing', 'standard', 'pass', '{}', current_setting('fix.alice')::uuid);

select ok(not exists (
    select 1 from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
     where p.oid = 'public.track_ai_processing_usage(uuid, uuid, integer, integer)'::regprocedure and a.grantee = 0),
  'PUBLIC cannot execute it');

select tests.authenticate_as_anon();
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000e1'),
  '42501', 'permission denied for function track_ai_processing_usage', 'anon: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as('taiu_perm_alice');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000e1'),
  '42501', 'permission denied for function track_ai_processing_usage', 'a user, own profile: no EXECUTE (workers report usage)');
select tests.clear_authentication();

select tests.authenticate_as('taiu_perm_bob');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000e1'),
  '42501', 'permission denied for function track_ai_processing_usage', 'a user, another''s profile: no EXECUTE');
select tests.clear_authentication();

select tests.authenticate_as_service_role();
select lives_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000e1'),
  'service_role: allowed');
select tests.clear_authentication();

select is((select ai_processing_jobs from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid), 1,
  'only the service role''s call was counted');

select * from finish();
rollback;
