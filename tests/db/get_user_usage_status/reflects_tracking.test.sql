-- What the tracking RPCs recorded is what the status reports, for the owner and a grantee.
begin;
select plan(4);

select set_config('fix.alice', tests.create_user_with_profile('gus_rt_alice')::text, true);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, page_count)
values ('c0000000-0000-4000-8000-000000000001', current_setting('fix.alice')::uuid, current_setting('fix.alice') || '/x.pdf', 'x.pdf', 'application/pdf', 1048576, 150);
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, patient_id)
values ('c0000000-0000-4000-8000-000000000002', 'ai_processing', 'standard', 'pass', '{}', current_setting('fix.alice')::uuid);

select tests.authenticate_as_service_role();
select public.track_shell_file_upload_usage(current_setting('fix.alice')::uuid, 'c0000000-0000-4000-8000-000000000001');
select public.track_ai_processing_usage(current_setting('fix.alice')::uuid, 'c0000000-0000-4000-8000-000000000002', 777, 12);
select tests.clear_authentication();

select tests.authenticate_as('gus_rt_alice');
select set_config('fix.s', public.get_user_usage_status(current_setting('fix.alice')::uuid)::text, true);
select tests.clear_authentication();

select is(current_setting('fix.s')::jsonb -> 'usage',
  '{"shell_files_uploaded": 1, "total_pages_processed": 150, "total_file_size_mb": 1.000000, "ai_tokens_used": 777, "ai_processing_jobs": 1, "ai_processing_seconds": 12}'::jsonb,
  'the counters recorded by both tracking RPCs');
select is(current_setting('fix.s')::jsonb #> '{within_limits,pages}', 'false'::jsonb, '150 pages is over the free plan''s 100');
select is(current_setting('fix.s')::jsonb #> '{within_limits,all}', 'false'::jsonb, 'so not within all limits');
select is(current_setting('fix.s')::jsonb -> 'limits_enforced', 'false'::jsonb, 'limits are not enforced by default (billing off)');

select * from finish();
rollback;
