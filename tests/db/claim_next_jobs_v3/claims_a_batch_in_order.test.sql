-- A batch: up to max_jobs due pending jobs, by priority descending then the oldest
-- first, returned in that order; each gets its own lease. The default max_jobs is 10.
begin;
select plan(13);

delete from public.job_queue;  -- this test's queue starts empty (rolled back)
update public.system_configuration set config_value = '120' where config_key = 'worker.timeout_seconds';

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, retry_count, priority, created_at, updated_at) values
  ('00000000-0000-4000-8000-000000000911', 'report_generation', 'standard', 'a', '{"k": 1}', null, 0, 5, now() - interval '3 minutes', now() - interval '1 hour'),
  ('00000000-0000-4000-8000-000000000912', 'report_generation', 'standard', 'b', '{"k": 2}', null, 0, 8, now() - interval '1 minute', now() - interval '1 hour'),
  ('00000000-0000-4000-8000-000000000913', 'ai_processing', 'standard', 'c', '{"k": 3}', '{"page": 2}', 1, 8, now() - interval '2 minutes', now() - interval '1 hour'),
  ('00000000-0000-4000-8000-000000000914', 'report_generation', 'standard', 'd', '{"k": 4}', null, 0, 1, now() - interval '9 minutes', now() - interval '1 hour'),
  ('00000000-0000-4000-8000-000000000915', 'report_generation', 'standard', 'e', '{"k": 5}', null, 0, 5, now() - interval '4 minutes', now() - interval '1 hour');

create temp table batch1 as select * from public.claim_next_jobs_v3('w1', max_jobs => 3) with ordinality;

select results_eq('select job_id from batch1 order by ordinality',
  $$values ('00000000-0000-4000-8000-000000000913'::uuid), ('00000000-0000-4000-8000-000000000912'::uuid),
           ('00000000-0000-4000-8000-000000000915'::uuid)$$,
  'max_jobs 3: the three first by priority desc, created_at, in that order');
select results_eq('select job_type, job_payload, job_result, retry_count from batch1 order by ordinality',
  $$values ('ai_processing', '{"k": 3}'::jsonb, '{"page": 2}'::jsonb, 1),
           ('report_generation', '{"k": 2}'::jsonb, null::jsonb, 0),
           ('report_generation', '{"k": 5}'::jsonb, null::jsonb, 0)$$,
  'each row carries its own job''s type, payload, checkpoint and retry_count');
select is((select count(*)::integer from batch1 where lease_expires_at = now() + interval '120 seconds'), 3,
  'each lease ends at now() + worker.timeout_seconds');
select set_eq($$select id from public.job_queue
                 where status = 'processing' and worker_id = 'w1'
                   and heartbeat_at = now() and started_at = now() and updated_at = now()$$,
  'select job_id from batch1',
  'exactly the batch is processing, held by w1, heartbeat_at = started_at = updated_at = now()');
select set_eq($$select id from public.job_queue where status = 'pending' and worker_id is null and heartbeat_at is null$$,
  $$values ('00000000-0000-4000-8000-000000000911'::uuid), ('00000000-0000-4000-8000-000000000914'::uuid)$$,
  'the other two are still pending and untouched');

select results_eq($$select job_id from public.claim_next_jobs_v3('w2', max_jobs => 3)$$,
  $$values ('00000000-0000-4000-8000-000000000911'::uuid), ('00000000-0000-4000-8000-000000000914'::uuid)$$,
  'the next call returns the remaining two, in order (fewer than max_jobs)');
select is((select count(*)::integer from public.job_queue where status = 'processing' and worker_id = 'w2'), 2,
  'held by the second worker');
select is((select count(*)::integer from public.job_queue where status = 'processing' and worker_id = 'w1'), 3,
  'the first batch is still w1''s');
select is_empty($$select * from public.claim_next_jobs_v3('w3', max_jobs => 3)$$, 'then nothing: no row');

-- the default max_jobs is 10
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, priority, created_at)
select ('00000000-0000-4000-8000-0000000009' || to_hex(32 + i))::uuid, 'report_generation', 'standard', 'n' || i, '{"k": 1}',
       case when i % 2 = 0 then 3 else 7 end, now() - make_interval(mins => i)
  from generate_series(0, 11) as g (i);
create temp table expected_order as
select id, row_number() over (order by priority desc, created_at) as n
  from public.job_queue where status = 'pending';

create temp table batch2 as select * from public.claim_next_jobs_v3('w4') with ordinality;
select is((select count(*)::integer from batch2), 10, 'default max_jobs: 10 of the 12 due jobs claimed');
select results_eq('select job_id from batch2 order by ordinality',
  'select id from expected_order where n <= 10 order by n',
  'the first ten by priority desc, created_at, in that order');
select is((select count(*)::integer from public.job_queue where status = 'processing' and worker_id = 'w4'), 10,
  'all ten held by the claimer');
select set_eq($$select id from public.job_queue where status = 'pending'$$,
  'select id from expected_order where n > 10', 'the last two are left pending');

select * from finish();
rollback;
