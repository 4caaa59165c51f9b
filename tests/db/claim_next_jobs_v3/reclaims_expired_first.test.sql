-- Expired leases are reclaimed by the claim itself, so their jobs are in the same
-- batch (retry counted, checkpoint handed over); a lease whose last beat is exactly
-- worker.timeout_seconds (180 s) ago is still held and is not.
begin;
select plan(13);

delete from public.job_queue;
update public.system_configuration set config_value = '0' where config_key = 'worker.reclaim_jitter_max_seconds';

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, priority, created_at,
                              status, worker_id, heartbeat_at, started_at, retry_count, max_retries) values
  ('00000000-0000-4000-8000-000000000940', 'report_generation', 'standard', 'expired', '{"k": 1}', '{"page": 3}', 5, now() - interval '10 minutes',
   'processing', 'w-old', now() - interval '181 seconds', now() - interval '10 minutes', 0, 3),
  ('00000000-0000-4000-8000-000000000941', 'report_generation', 'standard', 'boundary', '{"k": 1}', '{"page": 7}', 10, now() - interval '20 minutes',
   'processing', 'w-live', now() - interval '180 seconds', now() - interval '20 minutes', 0, 3),
  ('00000000-0000-4000-8000-000000000942', 'report_generation', 'standard', 'pending', '{"k": 1}', null, 5, now() - interval '1 minute',
   'pending', null, null, null, 0, 3),
  ('00000000-0000-4000-8000-000000000943', 'report_generation', 'standard', 'low', '{"k": 1}', null, 1, now() - interval '30 minutes',
   'pending', null, null, null, 0, 3),
  ('00000000-0000-4000-8000-000000000944', 'report_generation', 'standard', 'exhausted', '{"k": 1}', null, 10, now() - interval '30 minutes',
   'processing', 'w-old', now() - interval '200 seconds', now() - interval '30 minutes', 3, 3);

create temp table batch as select * from public.claim_next_jobs_v3('w-new') with ordinality;

select results_eq('select job_id from batch order by ordinality',
  $$values ('00000000-0000-4000-8000-000000000940'::uuid), ('00000000-0000-4000-8000-000000000942'::uuid),
           ('00000000-0000-4000-8000-000000000943'::uuid)$$,
  'the expired job is reclaimed and claimed in the same call, in claim order; the live lease and the exhausted job are not');
select is((select retry_count from batch where job_id = '00000000-0000-4000-8000-000000000940'), 1,
  'the lost attempt counts one retry');
select is((select job_result from batch where job_id = '00000000-0000-4000-8000-000000000940'), '{"page": 3}'::jsonb,
  'the old holder''s checkpoint is handed to the new one');
select ok(q.status = 'processing' and q.worker_id = 'w-new' and q.heartbeat_at = now() and q.started_at = now(),
  'w-new holds it, with a fresh lease') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000940';
select is(q.error_details -> 'attempts' -> 0 ->> 'event', 'lease_expired', 'the lost lease is in the history')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000940';
select is(q.error_details -> 'attempts' -> 0 ->> 'worker_id', 'w-old', 'naming the old worker')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000940';

select is(q.worker_id, 'w-live', 'last beat exactly 180 s ago: still held by its worker')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000941';
select ok(q.status = 'processing' and q.heartbeat_at = now() - interval '180 seconds' and q.retry_count = 0 and q.error_details is null,
  'and not touched by the sweep') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000941';

select is(q.status, 'failed', 'an expired job with no retries left is dead-lettered, not claimed')
  from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000944';
select ok(q.dead_letter_at = now() and q.retry_count = 4 and q.worker_id = 'w-old' and q.heartbeat_at is null,
  'dead_letter_at = now(), retry_count 4, last holder kept') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000944';

select is_empty($$select * from public.claim_next_jobs_v3('w-next')$$, 'nothing else is claimable');
update public.job_queue set heartbeat_at = now() - interval '181 seconds' where id = '00000000-0000-4000-8000-000000000941';
select results_eq($$select job_id, retry_count, job_result from public.claim_next_jobs_v3('w-next')$$,
  $$values ('00000000-0000-4000-8000-000000000941'::uuid, 1, '{"page": 7}'::jsonb)$$,
  'one second later the boundary lease has expired: reclaimed and claimed');
select is(q.worker_id, 'w-next', 'by the new claimer') from public.job_queue q where q.id = '00000000-0000-4000-8000-000000000941';

select * from finish();
rollback;
