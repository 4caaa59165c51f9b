-- A new upload: the shell file (queued, linked to its job), the job (pending, lane standard,
-- the agreed payload), the upload counted once, one clinical audit event without the path
-- or the file name. Called as the intake calls it: service_role.
begin;
select plan(17);

select tests.create_user_with_profile('csfj_new_alice') as alice \gset
select tests.get_supabase_uid('csfj_new_alice') as alice_uid \gset
create temp table answer as select * from public.create_shell_file_job(
  tests.get_supabase_uid('csfj_new_alice'), :'alice', :'alice' || '/scans/2024 lab.pdf', null,
  'application/pdf', 123456, 3, 'csfj-new-key-0001', 4500) with no data;
grant insert on answer to service_role;
select tests.authenticate_as_service_role();
insert into answer select * from public.create_shell_file_job(
  :'alice_uid', :'alice', :'alice' || '/scans/2024 lab.pdf', null, 'application/pdf', 123456, 3, 'csfj-new-key-0001', 4500);
insert into answer select * from public.create_shell_file_job(
  :'alice_uid', :'alice', :'alice' || '/photo.png', 'Ward letter.png', 'image/png', 2048, 1, 'csfj-new-key-0002', 800);
select tests.clear_authentication();
select shell_file_id as file_id, job_id from answer where shell_file_id = (select id from public.shell_files where idempotency_key = 'csfj-new-key-0001') \gset

select is((select count(*)::integer from answer), 2, 'one answer row per call');
select ok((select created and status = 'queued' from answer where shell_file_id = :'file_id'), 'created = true, status queued');

select results_eq(
  format($$select patient_id, uploaded_by, storage_path, original_filename, mime_type, file_size_bytes,
                  estimated_pages, page_count, status, processing_job_id, idempotency_key, processing_error
             from public.shell_files where id = %L$$, :'file_id'),
  format($$values (%L::uuid, %L::uuid, %L::text, '2024 lab.pdf'::text, 'application/pdf'::text, 123456::bigint,
                   3, null::integer, 'queued'::text, %L::uuid, 'csfj-new-key-0001'::text, null::jsonb)$$,
         :'alice', :'alice_uid', :'alice' || '/scans/2024 lab.pdf', :'job_id'),
  'the shell file: profile, uploader, path, file name from the path, type, size, estimate, queued, its job, its key');
select is((select original_filename from public.shell_files where idempotency_key = 'csfj-new-key-0002'), 'Ward letter.png',
  'a given file name is kept');

select results_eq(
  format($$select job_type, job_lane, status, patient_id, shell_file_id, api_provider, api_endpoint, retry_count
             from public.job_queue where id = %L$$, :'job_id'),
  format($$values ('shell_file_processing'::text, 'standard'::text, 'pending'::text, %L::uuid, %L::uuid,
                   'openai'::text, 'gpt-4o-mini'::text, 0)$$, :'alice', :'file_id'),
  'the job: shell_file_processing, lane standard, pending, correlated with patient and file');
select is((select job_payload - 'backpressure_delay_seconds' from public.job_queue where id = :'job_id'),
  jsonb_build_object('shell_file_id', :'file_id', 'patient_id', :'alice', 'storage_bucket', 'medical-docs',
                     'storage_path', :'alice' || '/scans/2024 lab.pdf', 'mime_type', 'application/pdf',
                     'file_size_bytes', 123456, 'estimated_pages', 3, 'estimated_tokens', 4500),
  'the payload is the agreed one');
select ok((select scheduled_at <= now() from public.job_queue where id = :'job_id'), 'due now (no backpressure)');
select is((select job_result from public.job_queue where id = :'job_id'), null::jsonb, 'no progress yet');

select results_eq(
  format($$select profile_id, event_type, quantities ->> 'file_size_bytes' from public.usage_events where shell_file_id = %L$$, :'file_id'),
  format($$values (%L::uuid, 'shell_file_uploaded'::text, '123456'::text)$$, :'alice'),
  'the upload is counted once, with the size from shell_files');
select is((select shell_files_uploaded from public.user_usage_tracking where profile_id = :'alice'), 2,
  'the profile''s monthly counter holds both uploads');

select results_eq(
  format($$select operation, compliance_category, patient_id, job_id
             from public.audit_log where table_name = 'shell_files' and record_id = %L$$, :'file_id'),
  format($$values ('INSERT'::text, 'clinical'::text, %L::uuid, %L::uuid)$$, :'alice', :'job_id'),
  'one clinical audit event for the shell file, with patient and job');
select is((select new_values ->> 'submitted_by' from public.audit_log where table_name = 'shell_files' and record_id = :'file_id'),
  :'alice_uid', 'the audit event names the user who submitted it');
select ok((select position('lab' in new_values::text) = 0 and position('scans' in new_values::text) = 0
             from public.audit_log where table_name = 'shell_files' and record_id = :'file_id'),
  'the audit event carries neither the path nor the file name');
select is((select count(*)::integer from public.audit_log where job_id = :'job_id' and table_name = 'job_queue'), 1,
  'the enqueue is audited (by enqueue_job_v3)');

-- The mime allow-list: each type of the bucket is accepted.
select tests.authenticate_as_service_role();
select lives_ok(format($$select public.create_shell_file_job(%L, %L, %L, null, 'image/jpeg', 1, 1, 'csfj-new-key-0003', 0)$$,
  :'alice_uid', :'alice', :'alice' || '/c.jpg'), 'image/jpeg accepted (size 1, tokens 0)');
select lives_ok(format($$select public.create_shell_file_job(%L, %L, %L, null, 'image/tiff', 52428800, 100000, 'csfj-new-key-0004', 0)$$,
  :'alice_uid', :'alice', :'alice' || '/d.tiff'), 'image/tiff accepted at the size limit (52428800) and 100000 pages');
select lives_ok(format($$select public.create_shell_file_job(%L, %L, %L, null, 'application/pdf', 10, 1, 'csfj-new-key-0005', 0)$$,
  :'alice_uid', :'alice', upper(:'alice') || '/e.pdf'), 'the folder''s UUID may be written in upper case');
select tests.clear_authentication();

select * from finish();
rollback;
