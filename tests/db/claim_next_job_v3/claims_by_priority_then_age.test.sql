-- Claim order: priority descending, then the oldest first.
begin;
select plan(6);

delete from public.job_queue;  -- this test's queue starts empty (rolled back)

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, priority, created_at) values
  ('00000000-0000-4000-8000-0000000000a1', 'report_generation', 'standard', 'a', '{"k": 1}', 5, now() - interval '3 minutes'),
  ('00000000-0000-4000-8000-0000000000b1', 'report_generation', 'standard', 'b', '{"k": 1}', 8, now() - interval '1 minute'),
  ('00000000-0000-4000-8000-0000000000c1', 'report_generation', 'standard', 'c', '{"k": 1}', 8, now() - interval '2 minutes'),
  ('00000000-0000-4000-8000-0000000000d1', 'report_generation', 'standard', 'd', '{"k": 1}', 1, now() - interval '9 minutes'),
  ('00000000-0000-4000-8000-0000000000e1', 'report_generation', 'standard', 'e', '{"k": 1}', 5, now() - interval '4 minutes');

select is((select job_id from public.claim_next_job_v3('w1')), '00000000-0000-4000-8000-0000000000c1'::uuid,
  'highest priority, older of the two first');
select is((select job_id from public.claim_next_job_v3('w1')), '00000000-0000-4000-8000-0000000000b1'::uuid,
  'then the younger of the same priority');
select is((select job_id from public.claim_next_job_v3('w1')), '00000000-0000-4000-8000-0000000000e1'::uuid,
  'then priority 5, oldest first');
select is((select job_id from public.claim_next_job_v3('w1')), '00000000-0000-4000-8000-0000000000a1'::uuid,
  'then the younger priority 5');
select is((select job_id from public.claim_next_job_v3('w1')), '00000000-0000-4000-8000-0000000000d1'::uuid,
  'the oldest job of the lowest priority comes last');
select is_empty($$select * from public.claim_next_job_v3('w1')$$, 'then nothing: no row');

select * from finish();
rollback;
