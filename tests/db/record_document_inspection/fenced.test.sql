-- A worker that lost its lease (reclaimed by the sweeper, claimed by another worker) gets
-- false and writes nothing: no page count, no progress, no beat, no audit.
begin;
select plan(7);

select tests.create_user_with_profile('rdi_fence_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1') \gset
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select public.reclaim_expired_jobs();
update public.job_queue set scheduled_at = now(), priority = 10 where id = :'job_id';  -- past the reclaim jitter
select is((select c.job_id from public.claim_next_job_v3('w2', array['shell_file_processing']) c), :'job_id'::uuid,
  'w2 claimed the reclaimed job');
update public.job_queue set heartbeat_at = now() - interval '5 seconds' where id = :'job_id';
create temp table jobs_before as select * from public.job_queue where id = :'job_id';
create temp table files_before as select * from public.shell_files where id = :'shell_file_id';
create temp table audit_before as select count(*) as n from public.audit_log;

select is(public.record_document_inspection(:'job_id', 'w1', 2, array[1]), false, 'the old holder: false');
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from jobs_before',
  'job untouched: no progress, no beat');
select set_eq(format('select * from public.shell_files where id = %L', :'shell_file_id'), 'select * from files_before',
  'shell file untouched');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');
select is(public.record_document_inspection('00000000-0000-4000-8000-00000000fff1', 'w1', 2, null), false, 'an unknown job: false');
select is(public.record_document_inspection(:'job_id', 'w2', 2, array[1]), true, 'the new holder records');

select * from finish();
rollback;
