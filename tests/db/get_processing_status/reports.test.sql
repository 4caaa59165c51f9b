-- The status an app polls: before the job starts, during, after, and after a failure.
begin;
select plan(5);

select tests.create_user_with_profile('gps_rep_alice') as alice \gset
select job_id as j_fresh, shell_file_id as f_fresh from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as j_mid, shell_file_id as f_mid from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [2], "text_done": 3, "pass1_done": 1, "pass2_done": 0, "narrative_done": false}') \gset
select job_id as j_fail, shell_file_id as f_fail from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "text_done": 0}') \gset
select public.fail_shell_file_job(:'j_fail', 'w1', '{"code": "corrupt_document"}', false);
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes, status)
values ('00000000-0000-4000-8000-0000000a0001', :'alice', :'alice' || '/nojob.pdf', 'nojob.pdf', 'application/pdf', 1, 'uploaded');

select tests.authenticate_as('gps_rep_alice');
select is(public.get_processing_status(:'f_fresh'),
  jsonb_build_object('shell_file_id', :'f_fresh', 'status', 'queued', 'page_count', null, 'text_done', 0,
                     'pass1_done', 0, 'pass2_done', 0, 'narrative_done', false, 'error', null),
  'queued, not inspected: no page count, nothing done');
select is(public.get_processing_status(:'f_mid'),
  jsonb_build_object('shell_file_id', :'f_mid', 'status', 'processing', 'page_count', 3, 'text_done', 3,
                     'pass1_done', 1, 'pass2_done', 0, 'narrative_done', false, 'error', null),
  'processing: the counters from the job''s progress');
select is(public.get_processing_status(:'f_fail'),
  jsonb_build_object('shell_file_id', :'f_fail', 'status', 'failed', 'page_count', 1, 'text_done', 0,
                     'pass1_done', 0, 'pass2_done', 0, 'narrative_done', false,
                     'error', jsonb_build_object('code', 'corrupt_document',
                                                 'message', 'The document could not be read. It may be damaged, or not a valid PDF or image.')),
  'failed: the user-safe error');
select is(public.get_processing_status('00000000-0000-4000-8000-0000000a0001') ->> 'status', 'uploaded', 'a file without a job');
select tests.clear_authentication();

update public.job_queue set status = 'completed', heartbeat_at = null, completed_at = now(),
  job_result = job_result || '{"pass1_done": 3, "pass2_done": 3, "narrative_done": true, "finished": true}' where id = :'j_mid';
update public.shell_files set status = 'completed' where id = :'f_mid';
select tests.authenticate_as_service_role();
select is(public.get_processing_status(:'f_mid'),
  jsonb_build_object('shell_file_id', :'f_mid', 'status', 'completed', 'page_count', 3, 'text_done', 3,
                     'pass1_done', 3, 'pass2_done', 3, 'narrative_done', true, 'error', null),
  'completed: everything done (as service_role)');
select tests.clear_authentication();

select * from finish();
rollback;
