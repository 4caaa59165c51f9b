-- Bad arguments: 22023, exact messages, nothing written.
begin;
select plan(9);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at)
values ('00000000-0000-4000-8000-000000000409', 'report_generation', 'standard', 'a', '{"k": 1}', 'processing', 'w1', now() - interval '60 seconds');
create temp table before_rows as select * from public.job_queue;

select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', -1, 'r')$$, '22023',
  'reschedule_job: p_delay_seconds must be between 0 and 86400', 'negative delay');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', 86401, 'r')$$, '22023',
  'reschedule_job: p_delay_seconds must be between 0 and 86400', 'delay over a day');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', null, 'r')$$, '22023',
  'reschedule_job: p_delay_seconds must be between 0 and 86400', 'null delay');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', 5, ' ')$$, '22023',
  'reschedule_job: p_reason must not be empty', 'blank reason');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', 5, null)$$, '22023',
  'reschedule_job: p_reason must not be empty', 'null reason');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', 'w1', 5, 'r', null)$$, '22023',
  'reschedule_job: p_add_jitter must not be null', 'null p_add_jitter');
select throws_ok($$select public.reschedule_job(null, 'w1', 5, 'r')$$, '22023',
  'reschedule_job: p_job_id must not be null', 'null job id');
select throws_ok($$select public.reschedule_job('00000000-0000-4000-8000-000000000409', '', 5, 'r')$$, '22023',
  'reschedule_job: p_worker_id must not be empty', 'empty worker id');
select set_eq('select * from public.job_queue', 'select * from before_rows', 'nothing was written');

select * from finish();
rollback;
