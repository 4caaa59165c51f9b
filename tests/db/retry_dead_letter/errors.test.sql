-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(4);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, dead_letter_at)
values ('00000000-0000-4000-8000-000000000606', 'report_generation', 'standard', 'a', '{"k": 1}', 'failed', now());
create temp table before_rows as select * from public.job_queue;

select throws_ok($$select public.retry_dead_letter(null, 'r')$$, '22023',
  'retry_dead_letter: p_job_id must not be null', 'null job id');
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-000000000606', '')$$, '22023',
  'retry_dead_letter: p_reason must not be empty', 'empty reason');
select throws_ok($$select public.retry_dead_letter('00000000-0000-4000-8000-000000000606', null)$$, '22023',
  'retry_dead_letter: p_reason must not be empty', 'null reason');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
