-- Only due jobs (scheduled_at <= now()) matching the type and lane filters are claimed.
begin;
select plan(9);

delete from public.job_queue;

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, priority, scheduled_at) values
  ('00000000-0000-4000-8000-0000000000a3', 'report_generation', 'standard', 'future', '{"k": 1}', 10, now() + interval '1 second'),
  ('00000000-0000-4000-8000-0000000000b3', 'shell_file_processing', 'priority', 'sfp-priority', '{"k": 1}', 5, now()),
  ('00000000-0000-4000-8000-0000000000c3', 'shell_file_processing', 'standard', 'sfp-standard', '{"k": 1}', 5, now() - interval '1 minute'),
  ('00000000-0000-4000-8000-0000000000d3', 'notification_delivery', 'standard', 'notify', '{"k": 1}', 1, now());

select is_empty($$select * from public.claim_next_job_v3('w', array['audit_cleanup'])$$,
  'a type with no due job: no row');
select is_empty($$select * from public.claim_next_job_v3('w', array['shell_file_processing'], '{}')$$,
  'an empty lane list matches nothing');
select is((select job_id from public.claim_next_job_v3('w', array['shell_file_processing'], array['priority'])),
  '00000000-0000-4000-8000-0000000000b3'::uuid, 'type and lane filters together');
select is((select job_id from public.claim_next_job_v3('w', job_lanes => array['standard'])),
  '00000000-0000-4000-8000-0000000000c3'::uuid, 'a lane filter alone; the future priority-10 job is skipped');
select is((select job_id from public.claim_next_job_v3('w', array['notification_delivery', 'report_generation'])),
  '00000000-0000-4000-8000-0000000000d3'::uuid, 'a list of types; the future job is still skipped');
select is_empty($$select * from public.claim_next_job_v3('w')$$, 'only the future job is left: no row');
select is(q.status, 'pending', 'the future job is untouched') from public.job_queue q where q.id = '00000000-0000-4000-8000-0000000000a3';

update public.job_queue set scheduled_at = now() where id = '00000000-0000-4000-8000-0000000000a3';
select is((select job_id from public.claim_next_job_v3('w')), '00000000-0000-4000-8000-0000000000a3'::uuid,
  'once due (scheduled_at = now()), it is claimed');

-- finished jobs are never claimed
update public.job_queue set status = 'completed', worker_id = null, heartbeat_at = null;
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status) values
  ('report_generation', 'standard', 'c', '{"k": 1}', 'cancelled'),
  ('report_generation', 'standard', 'f', '{"k": 1}', 'failed');
select is_empty($$select * from public.claim_next_job_v3('w')$$, 'completed, cancelled and failed jobs are not claimed');

select * from finish();
rollback;
