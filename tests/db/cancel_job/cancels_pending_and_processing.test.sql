-- Pending or processing jobs are cancelled; a processing job's holder is fenced out.
begin;
select plan(12);

select tests.create_user_with_profile('cancel_patient') as patient \gset
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, patient_id) values
  ('00000000-0000-4000-8000-000000000701', 'report_generation', 'standard', 'pending', '{"k": 1}', 'pending', null, null, :'patient'),
  ('00000000-0000-4000-8000-000000000702', 'report_generation', 'standard', 'processing', '{"k": 1}', 'processing', 'w1', now(), :'patient');
select count(*) as audit_before from public.audit_log \gset

select ok(public.cancel_job('00000000-0000-4000-8000-000000000701', 'duplicate upload'), 'a pending job: true');
select is(q.status, 'cancelled', 'cancelled') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000701';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000701';
select ok(q.error_details -> 'attempts' -> 0 @> '{"event": "cancelled", "reason": "duplicate upload", "previous_status": "pending"}'::jsonb,
  'the reason in the history') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000701';

select ok(public.cancel_job('00000000-0000-4000-8000-000000000702', 'patient withdrew consent'), 'a processing job: true');
select ok(q.status = 'cancelled' and q.heartbeat_at is null and q.worker_id = 'w1', 'cancelled, lease gone, last holder kept')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000702';
select ok(not public.checkpoint_job('00000000-0000-4000-8000-000000000702', 'w1', '{"page": 5}'), 'the old holder''s checkpoint is refused');
select ok(not public.complete_job('00000000-0000-4000-8000-000000000702', 'w1', '{"done": true}'), 'its completion is refused');
select is(public.fail_job('00000000-0000-4000-8000-000000000702', 'w1', '{"m": 1}'), null, 'its failure report is refused');
select is(q.status, 'cancelled', 'still cancelled') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000702';
select is((select count(*) from public.audit_log) - :audit_before, 2::bigint, 'one audit event per cancellation');
select ok(exists (select 1 from public.audit_log a where a.job_id = '00000000-0000-4000-8000-000000000702'
                     and a.patient_id = :'patient' and a.old_values ->> 'status' = 'processing'
                     and a.new_values ->> 'status' = 'cancelled' and a.reason like '%withdrew consent%'),
  'audited with the previous status, the patient and the reason');

select * from finish();
rollback;
