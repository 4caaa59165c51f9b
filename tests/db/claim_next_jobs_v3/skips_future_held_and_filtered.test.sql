-- Never in a batch: jobs not yet due, jobs whose lease another worker holds, finished
-- jobs, and jobs outside the type / lane filters (an empty list matches nothing).
begin;
select plan(15);

delete from public.job_queue;

-- priority 10 and old: each of these would come first if it were offered
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, priority, created_at, scheduled_at, status, worker_id, heartbeat_at, started_at) values
  ('00000000-0000-4000-8000-000000000930', 'report_generation', 'standard', 'future', '{"k": 1}', 10, now() - interval '1 hour', now() + interval '1 second', 'pending', null, null, null),
  ('00000000-0000-4000-8000-000000000931', 'report_generation', 'standard', 'held', '{"k": 1}', 10, now() - interval '1 hour', now() - interval '1 hour', 'processing', 'other', now() - interval '60 seconds', now() - interval '5 minutes'),
  ('00000000-0000-4000-8000-000000000932', 'report_generation', 'standard', 'completed', '{"k": 1}', 10, now() - interval '1 hour', now() - interval '1 hour', 'completed', 'other', null, now() - interval '5 minutes'),
  ('00000000-0000-4000-8000-000000000933', 'report_generation', 'standard', 'cancelled', '{"k": 1}', 10, now() - interval '1 hour', now() - interval '1 hour', 'cancelled', null, null, null),
  ('00000000-0000-4000-8000-000000000934', 'report_generation', 'standard', 'failed', '{"k": 1}', 10, now() - interval '1 hour', now() - interval '1 hour', 'failed', 'other', null, now() - interval '5 minutes');
-- due pending jobs
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, priority, created_at, scheduled_at) values
  ('00000000-0000-4000-8000-000000000935', 'shell_file_processing', 'priority', 'sfp-priority', '{"k": 1}', 5, now() - interval '2 minutes', now()),
  ('00000000-0000-4000-8000-000000000936', 'shell_file_processing', 'standard', 'sfp-standard', '{"k": 1}', 5, now() - interval '1 minute', now() - interval '1 minute'),
  ('00000000-0000-4000-8000-000000000937', 'notification_delivery', 'standard', 'notify', '{"k": 1}', 1, now() - interval '3 minutes', now()),
  ('00000000-0000-4000-8000-000000000938', 'report_generation', 'standard', 'report', '{"k": 1}', 3, now() - interval '3 minutes', now());
create temp table before_rows as select * from public.job_queue where priority = 10;

select is_empty($$select * from public.claim_next_jobs_v3('w', array['audit_cleanup'])$$,
  'a type with no due job: no row');
select is_empty($$select * from public.claim_next_jobs_v3('w', '{}')$$,
  'an empty type list matches nothing');
select is_empty($$select * from public.claim_next_jobs_v3('w', array['shell_file_processing'], '{}')$$,
  'an empty lane list matches nothing');
select is((select count(*)::integer from public.job_queue where status = 'processing'), 1,
  'those calls claimed nothing (only the held job is processing)');

select results_eq($$select job_id from public.claim_next_jobs_v3('w', array['shell_file_processing'], array['priority'])$$,
  $$values ('00000000-0000-4000-8000-000000000935'::uuid)$$, 'type and lane filters together: only the matching job');
select results_eq($$select job_id from public.claim_next_jobs_v3('w', array['notification_delivery', 'report_generation'])$$,
  $$values ('00000000-0000-4000-8000-000000000938'::uuid), ('00000000-0000-4000-8000-000000000937'::uuid)$$,
  'a list of types: its due pending jobs only; the future, held and finished report jobs are not in the batch');
select results_eq($$select job_id from public.claim_next_jobs_v3('w', job_lanes => array['standard'])$$,
  $$values ('00000000-0000-4000-8000-000000000936'::uuid)$$, 'a lane filter alone');
select is_empty($$select * from public.claim_next_jobs_v3('w', max_jobs => 100)$$,
  'nothing due and pending is left: no row, even with max_jobs 100');
select set_eq($$select id from public.job_queue where worker_id = 'w'$$,
  $$values ('00000000-0000-4000-8000-000000000935'::uuid), ('00000000-0000-4000-8000-000000000936'::uuid),
           ('00000000-0000-4000-8000-000000000937'::uuid), ('00000000-0000-4000-8000-000000000938'::uuid)$$,
  'w holds exactly the four due pending jobs');

select set_eq('select * from public.job_queue where priority = 10', 'select * from before_rows',
  'the future, held, completed, cancelled and failed jobs are unchanged');
select is(q.worker_id, 'other', 'the live lease is still the other worker''s')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000931';

update public.job_queue set scheduled_at = now() where id = '00000000-0000-4000-8000-000000000930';
select results_eq($$select job_id from public.claim_next_jobs_v3('w')$$,
  $$values ('00000000-0000-4000-8000-000000000930'::uuid)$$, 'once due (scheduled_at = now()), the future job is claimed, alone');
select is_empty($$select * from public.claim_next_jobs_v3('w')$$, 'then nothing');
select results_eq($$select status from public.job_queue where id in ('00000000-0000-4000-8000-000000000932',
                      '00000000-0000-4000-8000-000000000933', '00000000-0000-4000-8000-000000000934') order by job_name$$,
  $$values ('cancelled'), ('completed'), ('failed')$$, 'finished jobs stay finished');
select is(q.worker_id, 'other', 'the held job was never taken') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000931';

select * from finish();
rollback;
