-- A finished job is not cancelled (false, nothing written); an unknown one: P0002.
begin;
select plan(5);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, completed_at, dead_letter_at) values
  ('00000000-0000-4000-8000-000000000703', 'report_generation', 'standard', 'completed', '{"k": 1}', 'completed', 'w1', now(), null),
  ('00000000-0000-4000-8000-000000000704', 'report_generation', 'standard', 'failed', '{"k": 1}', 'failed', 'w1', null, now()),
  ('00000000-0000-4000-8000-000000000705', 'report_generation', 'standard', 'cancelled', '{"k": 1}', 'cancelled', null, null, null);
create temp table before_rows as select * from public.job_queue;

select ok(not public.cancel_job('00000000-0000-4000-8000-000000000703', 'r'), 'a completed job: false');
select ok(not public.cancel_job('00000000-0000-4000-8000-000000000704', 'r'), 'a dead-lettered job: false');
select ok(not public.cancel_job('00000000-0000-4000-8000-000000000705', 'r'), 'an already cancelled job: false');
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-0000000007ff', 'r')$$, 'P0002',
  'cancel_job: job 00000000-0000-4000-8000-0000000007ff not found', 'an unknown job: P0002');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
