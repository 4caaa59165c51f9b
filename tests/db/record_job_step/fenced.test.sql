-- Not the holder (another worker, an expired lease, a job no longer processing, an unknown
-- job): no row, and nothing written (no merge, no beat, no shell file change).
begin;
select plan(6);

select tests.create_user_with_profile('rjs_fence_alice') as alice \gset
select job_id as held from tests.create_processing_job(:'alice', 'w1', '{"text_done": 1}') \gset
select job_id as expired from tests.create_processing_job(:'alice', 'w1', '{"text_done": 1}') \gset
select job_id as pending from tests.create_processing_job(:'alice', 'w1', '{"text_done": 1}') \gset
update public.job_queue set heartbeat_at = now() - interval '181 seconds' where id = :'expired';
update public.job_queue set status = 'pending', worker_id = null, heartbeat_at = null where id = :'pending';
create temp table jobs_before as select * from public.job_queue;
create temp table files_before as select * from public.shell_files;

select is_empty(format($$select * from private.record_job_step('f', %L, 'w2', '{"text_done": 5}')$$, :'held'), 'another worker: no row');
select is_empty(format($$select * from private.record_job_step('f', %L, 'w1', '{"text_done": 5}')$$, :'expired'), 'an expired lease: no row');
select is_empty(format($$select * from private.record_job_step('f', %L, 'w1', '{"text_done": 5}')$$, :'pending'), 'a pending job: no row');
select is_empty($$select * from private.record_job_step('f', '00000000-0000-4000-8000-00000000fff4', 'w1', '{}')$$, 'an unknown job: no row');
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'no job changed');
select ok(not exists (select * from public.shell_files except select * from files_before), 'no shell file changed');

select * from finish();
rollback;
