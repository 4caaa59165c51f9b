-- p_job_result is optional: the checkpoints are the result.
begin;
select plan(2);

insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, job_result, status, worker_id, heartbeat_at) values
  ('00000000-0000-4000-8000-000000000302', 'report_generation', 'standard', 'a', '{"k": 1}', '{"page": 4}', 'processing', 'w1', now()),
  ('00000000-0000-4000-8000-000000000303', 'report_generation', 'standard', 'b', '{"k": 1}', null, 'processing', 'w1', now());
select ok(public.complete_job('00000000-0000-4000-8000-000000000302', 'w1')
          and public.complete_job('00000000-0000-4000-8000-000000000303', 'w1', null), 'completed without a result');
select results_eq($$select job_result from public.job_queue where id in ('00000000-0000-4000-8000-000000000302', '00000000-0000-4000-8000-000000000303') order by job_name$$,
  $$values ('{"page": 4}'::jsonb), ('{}'::jsonb)$$, 'checkpoints kept; none at all gives {}');

select * from finish();
rollback;
