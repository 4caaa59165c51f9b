-- Bad arguments: 22023 with the exact message, and nothing written. (Tokens and seconds are
-- no longer arguments: uses_recorded_usage.test.sql.)
begin;
select plan(4);

select tests.create_user_with_profile('fsfj_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": true}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;
grant select on jobs_before, audit_before to service_role;

select tests.authenticate_as_service_role();
select throws_ok($$select public.finish_shell_file_job(null, 'w1')$$, '22023',
  'finish_shell_file_job: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.finish_shell_file_job(%L, ' ')$$, :'job_id'), '22023',
  'finish_shell_file_job: p_worker_id must not be empty', 'blank worker id');
select tests.clear_authentication();
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'job_queue unchanged');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');

select * from finish();
rollback;
