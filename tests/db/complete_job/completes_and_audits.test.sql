-- The holder completes: status, completed_at, result merged over the checkpoints,
-- lease released, and exactly one audit event.
begin;
select plan(10);

select tests.create_user_with_profile('complete_patient') as patient \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at, patient_id, updated_at)
values ('00000000-0000-4000-8000-000000000301', 'shell_file_processing', 'standard', 'doc', '{"k": 1}', '{"pages_done": [1, 2], "step": "pass3"}',
        'processing', 'w1', now() - interval '60 seconds', :'patient', now() - interval '60 seconds');
select count(*) as audit_before from public.audit_log \gset

select ok(public.complete_job('00000000-0000-4000-8000-000000000301', 'w1', '{"step": "done", "narratives": 2}'), 'completed: true');
select is(q.status, 'completed', 'status completed') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000301';
select is(q.completed_at, now(), 'completed_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000301';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000301';
select is(q.job_result, '{"pages_done": [1, 2], "step": "done", "narratives": 2}'::jsonb, 'the final result merged over the checkpoints')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000301';
select ok(q.heartbeat_at is null and q.worker_id = 'w1', 'lease released; worker_id kept as the last holder')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000301';
select is((select count(*) from public.audit_log) - :audit_before, 1::bigint, 'one audit event');
select ok(exists (select 1 from public.audit_log a
                   where a.job_id = '00000000-0000-4000-8000-000000000301' and a.patient_id = :'patient'
                     and a.operation = 'UPDATE' and a.new_values ->> 'status' = 'completed'),
  'the completion, with its job and patient');

select ok(not public.complete_job('00000000-0000-4000-8000-000000000301', 'w1', '{"again": true}'), 'completing twice: false');
select is((select count(*) from public.audit_log) - :audit_before, 1::bigint, 'and no second audit event');

select * from finish();
rollback;
