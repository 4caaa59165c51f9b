-- With 30 000 finished jobs in the queue, each view reaches job_queue through the
-- partial index its filter matches, never by scanning the table.
begin;
select plan(8);

insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, completed_at, dead_letter_at, api_provider, api_endpoint)
select 'ai_processing', 'standard', 'finished', '{}', case when g % 100 = 0 then 'failed' else 'completed' end, now(),
       null, 'openai', 'gpt-4o-mini'
  from generate_series(1, 30000) g;
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, api_provider, api_endpoint)
select 'ai_processing', 'standard', 'live', '{}', 'processing', 'w', now() - interval '1 hour', 'openai', 'gpt-4o-mini'
  from generate_series(1, 3);
analyze public.job_queue;

create function pg_temp.plan_of(p_sql text) returns text language plpgsql as $$
declare
  v_line text;
  v_plan text := '';
begin
  for v_line in execute 'explain ' || p_sql loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end
$$;

select matches(pg_temp.plan_of('select * from ops.queue_depth'), 'job_queue_depth_idx', 'queue_depth uses job_queue_depth_idx');
select doesnt_match(pg_temp.plan_of('select * from ops.queue_depth'), 'Seq Scan on job_queue', 'and does not scan job_queue');
select matches(pg_temp.plan_of('select * from ops.expired_leases'), 'job_queue_lease_idx', 'expired_leases uses job_queue_lease_idx');
select doesnt_match(pg_temp.plan_of('select * from ops.expired_leases'), 'Seq Scan on job_queue', 'and does not scan job_queue');
select matches(pg_temp.plan_of('select * from ops.dead_letters'), 'job_queue_dead_letter_idx', 'dead_letters uses job_queue_dead_letter_idx');
select doesnt_match(pg_temp.plan_of('select * from ops.dead_letters'), 'Seq Scan on job_queue', 'and does not scan job_queue');
select matches(pg_temp.plan_of('select * from ops.rate_limit_headroom'), 'job_queue_depth_idx', 'rate_limit_headroom counts queue depth with job_queue_depth_idx');
select doesnt_match(pg_temp.plan_of('select * from ops.rate_limit_headroom'), 'Seq Scan on job_queue', 'and does not scan job_queue');

select * from finish();
rollback;
