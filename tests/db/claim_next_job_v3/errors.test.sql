-- worker_id must not be empty: 22023, and nothing claimed.
begin;
select plan(4);

delete from public.job_queue;
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload)
values ('00000000-0000-4000-8000-0000000000a5', 'report_generation', 'standard', 'a', '{"k": 1}');

select throws_ok($$select * from public.claim_next_job_v3('')$$, '22023',
  'claim_next_job_v3: worker_id must not be empty', 'empty worker_id');
select throws_ok($$select * from public.claim_next_job_v3('   ')$$, '22023',
  'claim_next_job_v3: worker_id must not be empty', 'blank worker_id');
select throws_ok($$select * from public.claim_next_job_v3(null)$$, '22023',
  'claim_next_job_v3: worker_id must not be empty', 'null worker_id');
select is(q.status, 'pending', 'nothing was claimed') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a5';

select * from finish();
rollback;
