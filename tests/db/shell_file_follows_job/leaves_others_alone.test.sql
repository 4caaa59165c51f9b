-- What the trigger must not touch:
--   - a shell file through every other transition of its job: release_job, claim_next_job_v3,
--     reschedule_job, fail_job retrying, a reclaim with retries left, complete_job;
--   - shell files at all, for jobs without a shell file (cancelled, dead-lettered by the
--     sweeper, taken back from the dead letter);
--   - a shell file, for a job that names it but is not its processing job (a side job).
begin;
select plan(13);

delete from public.job_queue;
select tests.create_user_with_profile('sfj_others_alice') as alice \gset

-- OTHER TRANSITIONS of a shell file's own job.
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1', '{"page_count": 2, "text_done": 1}') \gset
update public.job_queue set priority = 10 where id = :'job_id';
create temp table file_before as select * from public.shell_files where id = :'shell_file_id';

select is(public.release_job(:'job_id', 'w1'), true, 'release_job: processing -> pending');
select is((select c.job_id from public.claim_next_job_v3('w2', array['shell_file_processing']) c), :'job_id'::uuid,
  'claim_next_job_v3: pending -> processing');
select isnt(public.reschedule_job(:'job_id', 'w2', 0, 'no capacity', false), null, 'reschedule_job: processing -> pending');
select is((select c.job_id from public.claim_next_job_v3('w3', array['shell_file_processing']) c), :'job_id'::uuid, 'claimed again');
select is(public.fail_job(:'job_id', 'w3', '{"code": "timeout"}', true), 'retrying', 'fail_job: processing -> pending (retrying)');
update public.job_queue set scheduled_at = now() where id = :'job_id';
select is((select c.job_id from public.claim_next_job_v3('w4', array['shell_file_processing']) c), :'job_id'::uuid, 'claimed again');
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select results_eq('select reclaimed, dead_lettered from public.reclaim_expired_jobs()', 'values (1, 0)',
  'reclaim_expired_jobs with retries left: processing -> pending');
update public.job_queue set scheduled_at = now() where id = :'job_id';
select is((select c.job_id from public.claim_next_job_v3('w5', array['shell_file_processing']) c), :'job_id'::uuid, 'claimed again');
select is(public.complete_job(:'job_id', 'w5'), true, 'complete_job: processing -> completed');
select ok((select f = b from public.shell_files f, file_before b where f.id = :'shell_file_id')
          and not exists (select 1 from public.audit_log a where a.table_name = 'shell_files' and a.record_id = :'shell_file_id'),
  'through all of it the shell file is unchanged and unaudited');

-- JOBS WITHOUT A SHELL FILE.
create temp table files_before as select * from public.shell_files;
select count(*) as shell_events_before from public.audit_log where table_name = 'shell_files' \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, retry_count, max_retries, patient_id) values
  ('00000000-0000-4000-8000-00000000f001', 'report_generation', 'standard', 'to cancel', '{"k": 1}', 'processing', 'w-a', now(), 0, 3, :'alice'),
  ('00000000-0000-4000-8000-00000000f002', 'report_generation', 'standard', 'to sweep', '{"k": 1}', 'processing', 'w-b', now() - interval '1 hour', 3, 3, :'alice');
select ok(public.cancel_job('00000000-0000-4000-8000-00000000f001', 'x')
          and (select dead_lettered from public.reclaim_expired_jobs()) = 1
          and public.retry_dead_letter('00000000-0000-4000-8000-00000000f002', 'x'),
  'jobs without a shell file: cancelled, dead-lettered by the sweeper, taken back');

-- A SIDE JOB: names the shell file but is not its processing job.
select job_id as j_main, shell_file_id as f_side from tests.create_processing_job(:'alice', 'w6', '{"page_count": 1}') \gset
insert into files_before select * from public.shell_files where id = :'f_side';
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, retry_count, max_retries, patient_id, shell_file_id) values
  ('00000000-0000-4000-8000-00000000f003', 'ai_processing', 'standard', 'side, cancelled', '{"k": 1}', 'processing', 'w-c', now(), 0, 3, :'alice', :'f_side'),
  ('00000000-0000-4000-8000-00000000f004', 'ai_processing', 'standard', 'side, swept', '{"k": 1}', 'processing', 'w-d', now() - interval '1 hour', 3, 3, :'alice', :'f_side');
select ok(public.cancel_job('00000000-0000-4000-8000-00000000f003', 'x')
          and (select dead_lettered from public.reclaim_expired_jobs()) = 1,
  'side jobs of a shell file: cancelled, dead-lettered by the sweeper');

select ok((select count(*) from public.shell_files) = (select count(*) from files_before)
          and not exists (select * from public.shell_files except select * from files_before)
          and (select count(*) from public.audit_log where table_name = 'shell_files') = :shell_events_before,
  'no shell file changed, and no shell file event was written');

select * from finish();
rollback;
