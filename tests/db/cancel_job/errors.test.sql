-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(4);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload)
values ('00000000-0000-4000-8000-000000000706', 'report_generation', 'standard', 'a', '{"k": 1}');
create temp table before_rows as select * from public.job_queue;

select throws_ok($$select public.cancel_job(null, 'r')$$, '22023', 'cancel_job: p_job_id must not be null', 'null job id');
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-000000000706', ' ')$$, '22023',
  'cancel_job: p_reason must not be empty', 'blank reason');
select throws_ok($$select public.cancel_job('00000000-0000-4000-8000-000000000706', null)$$, '22023',
  'cancel_job: p_reason must not be empty', 'null reason');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
