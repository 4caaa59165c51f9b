-- features.usage_tracking off: validated, nothing recorded, the result says so.
begin;
select plan(6);

select set_config('fix.alice', tests.create_user_with_profile('taiu_flag_alice')::text, true);
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id)
values ('b0000000-0000-4000-8000-0000000000f1', 'ai_processing', 'standard', 'pass', '{}', current_setting('fix.alice')::uuid);
update public.system_configuration set config_value = 'false' where config_key = 'features.usage_tracking';

select tests.authenticate_as_service_role();
select set_config('fix.off', public.track_ai_processing_usage(
  current_setting('fix.alice')::uuid, 'b0000000-0000-4000-8000-0000000000f1', 100, 1)::text, true);
select throws_ok(
  format('select public.track_ai_processing_usage(%L, %L, -1, 1)', current_setting('fix.alice'), 'b0000000-0000-4000-8000-0000000000f1'),
  '22023', 'track_ai_processing_usage: p_tokens_used must be a non-negative integer', 'with tracking off, bad input is still refused');
select tests.clear_authentication();

select is(current_setting('fix.off')::jsonb -> 'recorded', 'false'::jsonb, 'nothing recorded');
select is(current_setting('fix.off')::jsonb ->> 'reason', 'usage_tracking_disabled', 'the reason says why');
select is((select count(*) from public.usage_events where profile_id = current_setting('fix.alice')::uuid)
        + (select count(*) from public.user_usage_tracking where profile_id = current_setting('fix.alice')::uuid)
        + (select count(*) from public.audit_log where patient_id = current_setting('fix.alice')::uuid),
  0::bigint, 'no ledger row, usage row or audit event');

update public.system_configuration set config_value = 'true' where config_key = 'features.usage_tracking';
select tests.authenticate_as_service_role();
select set_config('fix.on', public.track_ai_processing_usage(
  current_setting('fix.alice')::uuid, 'b0000000-0000-4000-8000-0000000000f1', 100, 1)::text, true);
select tests.clear_authentication();
select is(current_setting('fix.on')::jsonb -> 'recorded', 'true'::jsonb, 'tracking on: the job is counted');
select is(current_setting('fix.on')::jsonb #>> '{usage,ai_tokens_used}', '100', 'with its tokens');

select * from finish();
rollback;
