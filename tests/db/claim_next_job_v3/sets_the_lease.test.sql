-- A claim takes the job (processing, worker_id, heartbeat_at = started_at = now())
-- and returns what the worker needs, with the lease's end.
begin;
select plan(12);

delete from public.job_queue;
update public.system_configuration set config_value = '120' where config_key = 'worker.timeout_seconds';
select tests.create_user_with_profile('claim_lease_patient') as patient \gset

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, retry_count, max_retries, patient_id, created_at, updated_at)
values ('00000000-0000-4000-8000-0000000000a2', 'ai_processing', 'standard', 'a', '{"k": 1}', '{"page": 2}', 1, 4, :'patient',
        now() - interval '1 hour', now() - interval '1 hour');

create temp table claimed as select * from public.claim_next_job_v3('worker-1');

select is((select count(*)::integer from claimed), 1, 'one job claimed');
select is((select job_type || '/' || job_lane from claimed), 'ai_processing/standard', 'type and lane returned');
select is((select job_payload from claimed), '{"k": 1}'::jsonb, 'payload returned');
select is((select job_result from claimed), '{"page": 2}'::jsonb, 'checkpointed progress returned (resume)');
select is((select retry_count || '/' || max_retries from claimed), '1/4', 'retry_count and max_retries returned');
select is((select patient_id from claimed), :'patient'::uuid, 'patient_id returned');
select is((select lease_expires_at from claimed), now() + interval '120 seconds', 'lease ends at now() + worker.timeout_seconds');

select is(q.status, 'processing', 'status processing') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a2';
select is(q.worker_id, 'worker-1', 'worker_id is the claimer') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a2';
select is(q.heartbeat_at, now(), 'heartbeat_at = now() (the first beat)') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a2';
select is(q.started_at, now(), 'started_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a2';
select is(q.updated_at, now(), 'updated_at = now()') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a2';

select * from finish();
rollback;
