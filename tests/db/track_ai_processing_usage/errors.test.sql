-- Every error names what is wrong, with its SQLSTATE, and writes nothing.
begin;
select plan(13);

select set_config('fix.alice', tests.create_user_with_profile('taiu_err_alice')::text, true);
select set_config('fix.bob', tests.create_user_with_profile('taiu_err_bob')::text, true);
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id)
values ('b0000000-0000-4000-8000-0000000000a1', 'ai_processing', 'standard', 'alice', '{}', current_setting('fix.alice')::uuid),
       ('b0000000-0000-4000-8000-0000000000b1', 'ai_processing', 'standard', 'bob', '{}', current_setting('fix.bob')::uuid),
       ('b0000000-0000-4000-8000-0000000000c1', 'system_maintenance', 'maintenance', 'nobody', '{}', null);

select tests.authenticate_as_service_role();
select throws_ok(
  $$select public.track_ai_processing_usage(null, 'b0000000-0000-4000-8000-0000000000a1', 1, 1)$$,
  '22023', 'track_ai_processing_usage: p_profile_id must not be null', 'null profile');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, null, 1, 1)', current_setting('fix.alice')),
  '22023', 'track_ai_processing_usage: p_job_id must not be null', 'null job');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, -1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000a1'),
  '22023', 'track_ai_processing_usage: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, null, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000a1'),
  '22023', 'track_ai_processing_usage: p_tokens_used must be a non-negative integer', 'null tokens');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, -5)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000a1'),
  '22023', 'track_ai_processing_usage: p_processing_seconds must be a non-negative integer', 'negative seconds');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, null)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000a1'),
  '22023', 'track_ai_processing_usage: p_processing_seconds must be a non-negative integer', 'null seconds');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000b1'),
  'P0002', 'track_ai_processing_usage: job not found for this profile', 'another profile''s job');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000c1'),
  'P0002', 'track_ai_processing_usage: job not found for this profile', 'a job with no patient');
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), extensions.gen_random_uuid()),
  'P0002', 'track_ai_processing_usage: job not found for this profile', 'a job that does not exist: the same message');
select tests.clear_authentication();

-- postgres without a JWT (e.g. the SQL editor) is neither the service role nor a user.
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, 1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000a1'),
  '42501', 'track_ai_processing_usage: no access to this profile', 'a caller with no identity is refused by the guard');

select is((select count(*) from public.usage_events where profile_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no ledger row');
select is((select count(*) from public.user_usage_tracking where profile_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no usage row');
select is((select count(*) from public.audit_log where patient_id in (current_setting('fix.alice')::uuid, current_setting('fix.bob')::uuid)),
  0::bigint, 'no audit event');

select * from finish();
rollback;
