-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(12);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000960', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds');
create temp table before_rows as select * from public.job_queue;
select count(*) as audit_before from public.audit_log \gset

select throws_ok($$select * from public.complete_jobs(null, 'w1')$$, '22023',
  'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null', 'a null id list');
select throws_ok($$select * from public.complete_jobs('{}', 'w1')$$, '22023',
  'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null', 'an empty id list');
select throws_ok($$select * from public.complete_jobs(
                     array(select '00000000-0000-4000-8000-000000000960'::uuid from generate_series(1, 101)), 'w1')$$, '22023',
  'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null', '101 ids');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid, null], 'w1')$$, '22023',
  'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null', 'a list holding a null');
select throws_ok($$select * from public.complete_jobs(array[null::uuid], 'w1')$$, '22023',
  'complete_jobs: p_job_ids must hold 1 to 100 job ids, none null', 'a list of only a null');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid], '')$$, '22023',
  'complete_jobs: p_worker_id must not be empty', 'empty worker id');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid], '   ')$$, '22023',
  'complete_jobs: p_worker_id must not be empty', 'blank worker id');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid], null)$$, '22023',
  'complete_jobs: p_worker_id must not be empty', 'null worker id');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid], 'w1', '[1]')$$, '22023',
  'complete_jobs: p_job_result must be a JSON object or null', 'an array result');
select throws_ok($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000960'::uuid], 'w1', '"x"')$$, '22023',
  'complete_jobs: p_job_result must be a JSON object or null', 'a string result');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event');

select * from finish();
rollback;
