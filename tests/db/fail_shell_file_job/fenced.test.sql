-- A worker that lost its lease (reclaimed, claimed by w2) gets null and writes nothing.
begin;
select plan(6);

select tests.create_user_with_profile('fsf_fence_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 1, "text_done": 0}') \gset
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select public.reclaim_expired_jobs();
update public.job_queue set scheduled_at = now(), priority = 10 where id = :'job_id';
select is((select c.job_id from public.claim_next_job_v3('w2', array['shell_file_processing']) c), :'job_id'::uuid, 'w2 claimed it');
create temp table jobs_before as select * from public.job_queue where id = :'job_id';
create temp table files_before as select * from public.shell_files where id = :'shell_file_id';
create temp table audit_before as select count(*) as n from public.audit_log;

select is(public.fail_shell_file_job(:'job_id', 'w1', '{"code": "corrupt_document"}', false), null, 'the old holder: null');
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from jobs_before', 'the job unchanged');
select set_eq(format('select * from public.shell_files where id = %L', :'shell_file_id'), 'select * from files_before', 'the shell file unchanged');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');
select is(public.fail_shell_file_job('00000000-0000-4000-8000-00000000fff2', 'w1', '{}', false), null, 'an unknown job: null');

select * from finish();
rollback;
