-- worker_id must not be empty and max_jobs must be 1..100: 22023, exact messages,
-- and nothing claimed.
begin;
select plan(9);

delete from public.job_queue;
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload)
values ('00000000-0000-4000-8000-000000000910', 'report_generation', 'standard', 'a', '{"k": 1}');

select throws_ok($$select * from public.claim_next_jobs_v3('')$$, '22023',
  'claim_next_jobs_v3: worker_id must not be empty', 'empty worker_id');
select throws_ok($$select * from public.claim_next_jobs_v3('   ')$$, '22023',
  'claim_next_jobs_v3: worker_id must not be empty', 'blank worker_id');
select throws_ok($$select * from public.claim_next_jobs_v3(null)$$, '22023',
  'claim_next_jobs_v3: worker_id must not be empty', 'null worker_id');
select throws_ok($$select * from public.claim_next_jobs_v3('w', max_jobs => 0)$$, '22023',
  'claim_next_jobs_v3: max_jobs must be between 1 and 100, got 0', 'max_jobs 0');
select throws_ok($$select * from public.claim_next_jobs_v3('w', max_jobs => 101)$$, '22023',
  'claim_next_jobs_v3: max_jobs must be between 1 and 100, got 101', 'max_jobs 101');
select throws_ok($$select * from public.claim_next_jobs_v3('w', max_jobs => -1)$$, '22023',
  'claim_next_jobs_v3: max_jobs must be between 1 and 100, got -1', 'max_jobs -1');
select throws_ok($$select * from public.claim_next_jobs_v3('w', null, null, null)$$, '22023',
  'claim_next_jobs_v3: max_jobs must be between 1 and 100, got null', 'max_jobs null');
select ok(q.status = 'pending' and q.worker_id is null and q.heartbeat_at is null and q.started_at is null,
  'nothing was claimed') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000910';
select is((select count(*)::integer from public.job_queue where status = 'processing'), 0, 'no job is processing');

select * from finish();
rollback;
