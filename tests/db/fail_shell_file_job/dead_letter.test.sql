-- Dead-lettered (not retryable, or no retries left): the job is failed (by fail_job) and the
-- shell file becomes 'failed' with a user-safe processing_error {code, message}: the
-- message comes from a fixed catalogue, never from p_error (which may quote the document).
begin;
select plan(12);

select tests.create_user_with_profile('fsf_dead_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 2, "ocr_pages": [], "text_done": 1, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset

select is(public.fail_shell_file_job(:'job_id', 'w1',
    '{"code": "corrupt_document", "message": "xref table broken near \"Patient: Jane Roe, DOB 1970-01-01\""}', false),
  'dead_lettered', 'not retryable: dead_lettered');
select results_eq(
  format($$select status, dead_letter_at is not null, error_details ->> 'dead_letter_reason' from public.job_queue where id = %L$$, :'job_id'),
  $$values ('failed'::text, true, 'not_retryable'::text)$$, 'the job is in the dead-letter queue (fail_job)');
select results_eq(
  format($$select status, processing_error from public.shell_files where id = %L$$, :'shell_file_id'),
  $$values ('failed'::text, '{"code": "corrupt_document", "message": "The document could not be read. It may be damaged, or not a valid PDF or image."}'::jsonb)$$,
  'the shell file: failed, with the catalogue''s message for the code');
select ok((select position('Jane' in processing_error::text) = 0 and position('xref' in processing_error::text) = 0
             from public.shell_files where id = :'shell_file_id'), 'nothing of p_error''s message reaches the user');
select results_eq(
  format($$select operation, compliance_category, patient_id, new_values from public.audit_log
            where job_id = %L and table_name = 'shell_files'$$, :'job_id'),
  format($$values ('UPDATE'::text, 'clinical'::text, %L::uuid, '{"status": "failed", "error_code": "corrupt_document", "retryable": false}'::jsonb)$$, :'alice'),
  'audited with patient and job, the code only');

-- Retryable but out of retries: also dead-lettered. An unknown code keeps its name, with a generic message.
select job_id as j2, shell_file_id as f2 from tests.create_processing_job(:'alice', 'w1') \gset
update public.job_queue set retry_count = max_retries where id = :'j2';
select is(public.fail_shell_file_job(:'j2', 'w1', '{"code": "provider_unavailable", "message": "503"}', true),
  'dead_lettered', 'retryable with no retries left: dead_lettered');
select is((select processing_error from public.shell_files where id = :'f2'),
  '{"code": "provider_unavailable", "message": "The document could not be processed. Try again later, or contact support if it keeps failing."}'::jsonb,
  'an unknown code keeps its name, with the generic message');

-- A code that is not an identifier (free text) is replaced.
select job_id as j3, shell_file_id as f3 from tests.create_processing_job(:'alice', 'w1') \gset
select is(public.fail_shell_file_job(:'j3', 'w1', '{"code": "Jane Roe has HIV", "message": "x"}', false), 'dead_lettered', 'dead_lettered');
select is((select processing_error ->> 'code' from public.shell_files where id = :'f3'), 'processing_failed',
  'a code that is not an identifier becomes processing_failed');
select job_id as j4, shell_file_id as f4 from tests.create_processing_job(:'alice', 'w1') \gset
select is(public.fail_shell_file_job(:'j4', 'w1', '{"message": "no code at all"}', false), 'dead_lettered', 'dead_lettered');
select is((select processing_error from public.shell_files where id = :'f4'),
  '{"code": "processing_failed", "message": "The document could not be processed. Try again later, or contact support if it keeps failing."}'::jsonb,
  'no code: processing_failed, generic message');
select job_id as j5, shell_file_id as f5 from tests.create_processing_job(:'alice', 'w1') \gset
select public.fail_shell_file_job(:'j5', 'w1', '{"code": "password_protected"}', false);
select is((select processing_error ->> 'message' from public.shell_files where id = :'f5'),
  'The document is password-protected. Upload a copy without a password.', 'another catalogue entry');

select * from finish();
rollback;
