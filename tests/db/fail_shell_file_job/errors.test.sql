-- Bad arguments: 22023 with the exact message (this function's name), nothing written.
begin;
select plan(8);

select tests.create_user_with_profile('fsf_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table files_before as select * from public.shell_files;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', null, false)$$, :'job_id'), '22023',
  'fail_shell_file_job: p_error must be a JSON object', 'null error');
select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', '"broken"', false)$$, :'job_id'), '22023',
  'fail_shell_file_job: p_error must be a JSON object', 'a string error');
select throws_ok(format($$select public.fail_shell_file_job(%L, 'w1', '{}', null)$$, :'job_id'), '22023',
  'fail_shell_file_job: p_retryable must not be null', 'null retryable');
select throws_ok($$select public.fail_shell_file_job(null, 'w1', '{}', false)$$, '22023',
  'fail_shell_file_job: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.fail_shell_file_job(%L, '', '{}', false)$$, :'job_id'), '22023',
  'fail_shell_file_job: p_worker_id must not be empty', 'empty worker id');
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'job_queue unchanged');
select ok(not exists (select * from public.shell_files except select * from files_before), 'shell_files unchanged');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');

select * from finish();
rollback;
