-- The lease story end to end: w1 claims and checkpoints, its lease expires, the
-- job is reclaimed and claimed by w2. Every late write of w1 is refused and
-- changes nothing; w2's writes succeed.
begin;
select plan(16);

delete from public.job_queue;
update public.system_configuration set config_value = '0' where config_key = 'worker.reclaim_jitter_max_seconds';
select job_id from public.enqueue_job_v3('shell_file_processing', 'doc', '{"pages": 3}') \gset

select is((select job_id from public.claim_next_job_v3('w1')), :'job_id'::uuid, 'w1 claims');
select ok(public.checkpoint_job(:'job_id', 'w1', '{"pages_done": [1]}'), 'w1 checkpoints page 1');

-- w1 stalls past its lease
update public.job_queue set heartbeat_at = now() - interval '181 seconds' where id = :'job_id';
select is((select job_id from public.claim_next_job_v3('w2')), :'job_id'::uuid, 'the claim path reclaims it and w2 claims it');
select ok(public.checkpoint_job(:'job_id', 'w2', '{"pages_done": [1, 2]}'), 'w2 checkpoints page 2');

create temp table after_w2 as select * from public.job_queue where id = :'job_id';

select ok(not public.update_job_heartbeat(:'job_id', 'w1'), 'w1''s heartbeat: false');
select ok(not public.checkpoint_job(:'job_id', 'w1', '{"pages_done": [1], "stale": true}'), 'w1''s checkpoint: false');
select ok(not public.complete_job(:'job_id', 'w1', '{"stale": true}'), 'w1''s completion: false');
select is(public.fail_job(:'job_id', 'w1', '{"m": "late"}'), null, 'w1''s failure: null');
select is(public.reschedule_job(:'job_id', 'w1', 30, 'late'), null, 'w1''s reschedule: null');
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from after_w2',
  'w1 changed nothing: w2''s progress and lease intact');

select ok(public.update_job_heartbeat(:'job_id', 'w2'), 'w2''s heartbeat: true');
select ok(public.checkpoint_job(:'job_id', 'w2', '{"pages_done": [1, 2, 3]}'), 'w2''s checkpoint: true');
select ok(public.complete_job(:'job_id', 'w2', '{"done": true}'), 'w2''s completion: true');
select is(q.job_result, '{"pages_done": [1, 2, 3], "done": true}'::jsonb, 'the result is w2''s alone')
  from public.job_queue q where q.id = :'job_id';
select is(q.status, 'completed', 'completed') from public.job_queue q where q.id = :'job_id';
select is((select count(*)::integer from public.audit_log a where a.job_id = :'job_id' and a.new_values ->> 'status' = 'completed'), 1,
  'one completion audited');

select * from finish();
rollback;
