-- ops.expired_leases: processing jobs whose heartbeat_at + worker.timeout_seconds is
-- before now() (a beat exactly one lease ago still holds, as in the fence), with the
-- holder, when the lease ended and by how much it is overdue. Follows the setting.
begin;
select plan(8);

insert into public.job_lanes (job_type, job_lane, is_default, description) values ('ops_el_test', 'a', true, 'test');
select set_config('fix.p', tests.create_user_with_profile('ops_el')::text, true);
update public.system_configuration set config_value = '180' where config_key = 'worker.timeout_seconds';

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, started_at, retry_count, max_retries, patient_id)
values
  ('e0000000-0000-4000-8000-000000000001', 'ops_el_test', 'a', 'overdue', '{}', 'processing', 'w-dead',
   now() - interval '181 seconds', now() - interval '1 hour', 1, 3, current_setting('fix.p')::uuid),
  ('e0000000-0000-4000-8000-000000000002', 'ops_el_test', 'a', 'at the edge', '{}', 'processing', 'w-edge',
   now() - interval '180 seconds', now() - interval '1 hour', 0, 3, null),
  ('e0000000-0000-4000-8000-000000000003', 'ops_el_test', 'a', 'alive', '{}', 'processing', 'w-live',
   now() - interval '100 seconds', now() - interval '1 hour', 3, 3, null),
  ('e0000000-0000-4000-8000-000000000004', 'ops_el_test', 'a', 'finished', '{}', 'completed', null,
   null, now() - interval '1 hour', 0, 3, null);

select results_eq(
  $$select job_id, worker_id, heartbeat_at, lease_expired_at, overdue_by, will_retry, patient_id
      from ops.expired_leases where job_type = 'ops_el_test'$$,
  $$values ('e0000000-0000-4000-8000-000000000001'::uuid, 'w-dead'::text, now() - interval '181 seconds',
            now() - interval '1 second', interval '1 second', true, current_setting('fix.p')::uuid)$$,
  'only the job whose lease ended: its holder, last beat, lease end, overdue by 1 s, will be retried, its patient');
select ok(not exists (select 1 from ops.expired_leases where job_id = 'e0000000-0000-4000-8000-000000000002'),
  'a beat exactly one lease ago still holds');
select ok(not exists (select 1 from ops.expired_leases where job_id = 'e0000000-0000-4000-8000-000000000003'),
  'a recent beat holds');

-- A shorter lease (operators tune worker.timeout_seconds): the 100 s beat is now overdue.
update public.system_configuration set config_value = '60' where config_key = 'worker.timeout_seconds';
select results_eq(
  $$select job_id, overdue_by, will_retry from ops.expired_leases where job_type = 'ops_el_test' order by job_id$$,
  $$values ('e0000000-0000-4000-8000-000000000001'::uuid, interval '121 seconds', true),
           ('e0000000-0000-4000-8000-000000000002'::uuid, interval '120 seconds', true),
           ('e0000000-0000-4000-8000-000000000003'::uuid, interval '40 seconds', false)$$,
  'the view follows worker.timeout_seconds; a job out of retries will be dead-lettered (will_retry false)');

-- The view and the sweeper agree on "expired".
select set_config('fix.expired', (select count(*) from ops.expired_leases where job_type = 'ops_el_test')::text, true);
select public.reclaim_expired_jobs();
select is((select count(*) from public.job_queue where job_type = 'ops_el_test' and status <> 'processing' and job_name <> 'finished'),
  current_setting('fix.expired')::bigint, 'the sweeper took exactly the jobs the view listed');
select is((select count(*) from ops.expired_leases where job_type = 'ops_el_test'), 0::bigint, 'after the sweep none is listed');

-- A missing setting: the sweeper's default lease (180 s).
delete from public.system_configuration where config_key = 'worker.timeout_seconds';
update public.job_queue set status = 'processing', worker_id = 'w-x', heartbeat_at = now() - interval '200 seconds', dead_letter_at = null
 where id = 'e0000000-0000-4000-8000-000000000001';
select is((select lease_expired_at from ops.expired_leases where job_id = 'e0000000-0000-4000-8000-000000000001'),
  now() - interval '20 seconds', 'no setting: the default lease of 180 s');
select is((select count(*) from ops.expired_leases where job_type = 'ops_el_test'), 1::bigint, 'listed once');

select * from finish();
rollback;
