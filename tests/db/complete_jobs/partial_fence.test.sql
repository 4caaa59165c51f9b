-- Each job of a batch is fenced on its own: only the jobs the caller still holds are
-- completed, returned and audited; the others are left exactly as they were.
begin;
select plan(7);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at) values
  ('00000000-0000-4000-8000-000000000980', 'report_generation', 'standard', 'held', '{"k": 1}', '{"page": 1}', 'processing', 'w1', now() - interval '60 seconds'),
  ('00000000-0000-4000-8000-000000000981', 'report_generation', 'standard', 'other worker', '{"k": 1}', '{"page": 2}', 'processing', 'w2', now() - interval '60 seconds'),
  ('00000000-0000-4000-8000-000000000982', 'report_generation', 'standard', 'expired', '{"k": 1}', null, 'processing', 'w1', now() - interval '181 seconds'),
  ('00000000-0000-4000-8000-000000000983', 'report_generation', 'standard', 'cancelled', '{"k": 1}', null, 'cancelled', 'w1', null),
  ('00000000-0000-4000-8000-000000000984', 'report_generation', 'standard', 'pending', '{"k": 1}', null, 'pending', null, null);
create temp table before_rows as select * from public.job_queue;
select coalesce(max(id), 0) as audit_max from public.audit_log \gset

select results_eq($$select job_id from public.complete_jobs(
                      array['00000000-0000-4000-8000-000000000981', '00000000-0000-4000-8000-000000000980',
                            '00000000-0000-4000-8000-000000000982', '00000000-0000-4000-8000-000000000983',
                            '00000000-0000-4000-8000-000000000984', '00000000-0000-4000-8000-0000000009ff']::uuid[],
                      'w1', '{"x": 1}')$$,
  $$values ('00000000-0000-4000-8000-000000000980'::uuid)$$, 'only the job w1 still holds is returned');
select ok(q.status = 'completed' and q.completed_at = now() and q.heartbeat_at is null, 'it is completed')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000980';
select is(q.job_result, '{"page": 1, "x": 1}'::jsonb, 'with its result')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000980';
select set_eq($$select * from public.job_queue where id <> '00000000-0000-4000-8000-000000000980'$$,
  $$select * from before_rows where id <> '00000000-0000-4000-8000-000000000980'$$,
  'the job of another worker, the expired lease, the cancelled and the pending job are unchanged; the unknown id created nothing');
select is(q.worker_id, 'w2', 'the other worker still holds its job') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000981';
select results_eq($$select job_id, new_values ->> 'status' from public.audit_log where id > $$ || :audit_max,
  $$values ('00000000-0000-4000-8000-000000000980'::uuid, 'completed')$$, 'one audit event, for the completed job only');
select is((select status from public.job_queue where id = '00000000-0000-4000-8000-000000000982'), 'processing',
  'the expired lease is left for the sweeper, not completed');

select * from finish();
rollback;
