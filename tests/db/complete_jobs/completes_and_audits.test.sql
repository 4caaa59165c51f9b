-- A batch of held jobs completed in one call: each completed, its result merged over
-- its own checkpoints, lease released, and exactly one audit event per job.
begin;
select plan(14);

select tests.create_user_with_profile('complete_batch_patient_a') as patient_a \gset
select tests.create_user_with_profile('complete_batch_patient_b') as patient_b \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, patient_id, updated_at) values
  ('00000000-0000-4000-8000-000000000970', 'shell_file_processing', 'standard', 'a', '{"k": 1}', '{"pages_done": [1, 2], "step": "pass3"}',
   'processing', 'w1', now() - interval '60 seconds', :'patient_a', now() - interval '60 seconds'),
  ('00000000-0000-4000-8000-000000000971', 'report_generation', 'standard', 'b', '{"k": 1}', null,
   'processing', 'w1', now() - interval '10 seconds', :'patient_a', now() - interval '60 seconds'),
  ('00000000-0000-4000-8000-000000000972', 'shell_file_processing', 'standard', 'c', '{"k": 1}', '{"step": "pass1", "tokens": 10}',
   'processing', 'w1', now() - interval '170 seconds', :'patient_b', now() - interval '60 seconds'),
  -- held by the same worker but not in the list: left alone
  ('00000000-0000-4000-8000-000000000973', 'report_generation', 'standard', 'd', '{"k": 1}', '{"page": 1}',
   'processing', 'w1', now() - interval '60 seconds', :'patient_b', now() - interval '60 seconds');
create temp table untouched as select * from public.job_queue where id = '00000000-0000-4000-8000-000000000973';
select coalesce(max(id), 0) as audit_max from public.audit_log \gset

select set_eq($$select job_id from public.complete_jobs(array['00000000-0000-4000-8000-000000000970', '00000000-0000-4000-8000-000000000971',
                                                              '00000000-0000-4000-8000-000000000972']::uuid[],
                                                        'w1', '{"step": "done", "narratives": 2}')$$,
  $$values ('00000000-0000-4000-8000-000000000970'::uuid), ('00000000-0000-4000-8000-000000000971'::uuid),
           ('00000000-0000-4000-8000-000000000972'::uuid)$$,
  'returns the three ids it completed');
select results_eq($$select status, completed_at = now(), updated_at = now(), heartbeat_at is null, worker_id
                      from public.job_queue where id in ('00000000-0000-4000-8000-000000000970', '00000000-0000-4000-8000-000000000971',
                                                         '00000000-0000-4000-8000-000000000972') order by id$$,
  $$values ('completed', true, true, true, 'w1'), ('completed', true, true, true, 'w1'), ('completed', true, true, true, 'w1')$$,
  'each: completed, completed_at = updated_at = now(), lease released, worker_id kept as the last holder');
select results_eq($$select job_result from public.job_queue
                     where id in ('00000000-0000-4000-8000-000000000970', '00000000-0000-4000-8000-000000000971',
                                  '00000000-0000-4000-8000-000000000972') order by id$$,
  $$values ('{"pages_done": [1, 2], "step": "done", "narratives": 2}'::jsonb),
           ('{"step": "done", "narratives": 2}'::jsonb),
           ('{"step": "done", "tokens": 10, "narratives": 2}'::jsonb)$$,
  'the result merged over each job''s own checkpoints');
select set_eq('select * from public.job_queue where id = ''00000000-0000-4000-8000-000000000973''', 'select * from untouched',
  'a job the worker holds but did not list is untouched');

select is((select count(*)::integer from public.audit_log where id > :audit_max), 3, 'three audit events');
select bag_eq($$select job_id, patient_id, table_name, record_id, operation, new_values ->> 'status' as status,
                       new_values ->> 'worker_id' as worker_id
                  from public.audit_log where id > $$ || :audit_max,
  format($$values ('00000000-0000-4000-8000-000000000970'::uuid, %L::uuid, 'job_queue', '00000000-0000-4000-8000-000000000970', 'UPDATE', 'completed', 'w1'),
                  ('00000000-0000-4000-8000-000000000971'::uuid, %L::uuid, 'job_queue', '00000000-0000-4000-8000-000000000971', 'UPDATE', 'completed', 'w1'),
                  ('00000000-0000-4000-8000-000000000972'::uuid, %L::uuid, 'job_queue', '00000000-0000-4000-8000-000000000972', 'UPDATE', 'completed', 'w1')$$,
         :'patient_a', :'patient_a', :'patient_b'),
  'one completion per job, each with its job and its patient');

-- completing again: no row, nothing written
create temp table after_first as select * from public.job_queue;
select is_empty($$select * from public.complete_jobs(array['00000000-0000-4000-8000-000000000970', '00000000-0000-4000-8000-000000000971',
                                                           '00000000-0000-4000-8000-000000000972']::uuid[], 'w1', '{"again": true}')$$,
  'completing again: no row');
select set_eq('select * from public.job_queue', 'select * from after_first', 'and nothing written');
select is((select count(*)::integer from public.audit_log where id > :audit_max), 3, 'and no further audit event');

-- duplicate ids: the job is completed once (100 copies: the most the list may hold)
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, patient_id) values
  ('00000000-0000-4000-8000-000000000974', 'report_generation', 'standard', 'e', '{"k": 1}', '{"n": [1]}', 'processing', 'w1', now(), :'patient_b');
select results_eq($$select job_id from public.complete_jobs(
                      array(select '00000000-0000-4000-8000-000000000974'::uuid from generate_series(1, 100)), 'w1', '{"done": true}')$$,
  $$values ('00000000-0000-4000-8000-000000000974'::uuid)$$, 'the same id 100 times: returned once');
select is(q.status, 'completed', 'and completed') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000974';
select is(q.job_result, '{"n": [1], "done": true}'::jsonb, 'with the result merged once')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000974';
select is((select count(*)::integer from public.audit_log where job_id = '00000000-0000-4000-8000-000000000974'), 1,
  'one audit event for it');
select is((select count(*)::integer from public.audit_log where id > :audit_max), 4, 'and no other');

select * from finish();
rollback;
