-- The provider/endpoint a job calls: the payload's api_provider/api_endpoint, else its lane's.
begin;
select plan(4);

create temp table j as
  select 'lane' as k, job_id from public.enqueue_job_v3('shell_file_processing', 'n', '{"k": 1}')
  union all
  select 'payload', job_id from public.enqueue_job_v3('shell_file_processing', 'n',
    '{"api_provider": "anthropic", "api_endpoint": "claude-3"}')
  union all
  select 'none', job_id from public.enqueue_job_v3('notification_delivery', 'n', '{"k": 1}')
  union all
  select 'payload_no_lane', job_id from public.enqueue_job_v3('notification_delivery', 'n',
    '{"api_provider": "google", "api_endpoint": "vision-api"}');

select is(q.api_provider || ':' || q.api_endpoint, 'openai:gpt-4o-mini', 'from the lane')
  from public.job_queue q join j on j.job_id = q.id where j.k = 'lane';
select is(q.api_provider || ':' || q.api_endpoint, 'anthropic:claude-3', 'the payload overrides the lane')
  from public.job_queue q join j on j.job_id = q.id where j.k = 'payload';
select ok(q.api_provider is null and q.api_endpoint is null, 'neither: none')
  from public.job_queue q join j on j.job_id = q.id where j.k = 'none';
select is(q.api_provider || ':' || q.api_endpoint, 'google:vision-api', 'the payload names one for a lane without')
  from public.job_queue q join j on j.job_id = q.id where j.k = 'payload_no_lane';

select * from finish();
rollback;
