-- A worker that lost its lease (reclaimed, claimed by w2) gets false and writes nothing,
-- even when the document is fully processed.
begin;
select plan(6);

select tests.create_user_with_profile('fsfj_fence_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": true}') \gset
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select public.reclaim_expired_jobs();
update public.job_queue set scheduled_at = now(), priority = 10 where id = :'job_id';
select is((select c.job_id from public.claim_next_job_v3('w2', array['shell_file_processing']) c), :'job_id'::uuid, 'w2 claimed it');
update public.job_queue set heartbeat_at = now() - interval '5 seconds' where id = :'job_id';
create temp table jobs_before as select * from public.job_queue where id = :'job_id';
create temp table files_before as select * from public.shell_files where id = :'shell_file_id';
create temp table counts_before as select (select count(*) from public.audit_log) as audit, (select count(*) from public.usage_events) as usage;

select tests.authenticate_as_service_role();
select is(public.finish_shell_file_job(:'job_id', 'w1'), false, 'the old holder: false');
select tests.clear_authentication();
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from jobs_before', 'the job unchanged');
select set_eq(format('select * from public.shell_files where id = %L', :'shell_file_id'), 'select * from files_before', 'the shell file unchanged');
select ok((select count(*) from public.audit_log) = (select audit from counts_before)
          and (select count(*) from public.usage_events) = (select usage from counts_before), 'no audit, no usage');
select tests.authenticate_as_service_role();
select is(public.finish_shell_file_job(:'job_id', 'w2'), true, 'the new holder finishes');
select tests.clear_authentication();

select * from finish();
rollback;
