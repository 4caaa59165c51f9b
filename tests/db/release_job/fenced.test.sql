-- Only the holder of a live lease may release: another worker, an expired lease, a finished
-- or pending job, an unknown job: false, nothing written.
begin;
select plan(6);

select tests.create_user_with_profile('rj_fence_alice') as alice \gset
select job_id as held from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as expired from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as done from tests.create_processing_job(:'alice', 'w1') \gset
update public.job_queue set heartbeat_at = now() - interval '181 seconds' where id = :'expired';
update public.job_queue set status = 'completed', heartbeat_at = null, completed_at = now() where id = :'done';
create temp table jobs_before as select * from public.job_queue;

select is(public.release_job(:'held', 'w2'), false, 'another worker: false');
select is(public.release_job(:'expired', 'w1'), false, 'the holder after its lease expired: false');
select is(public.release_job(:'done', 'w1'), false, 'a completed job: false');
select is(public.release_job('00000000-0000-4000-8000-00000000fff3', 'w1'), false, 'an unknown job: false');
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'nothing written');
select is(public.release_job(:'held', 'w1'), true, 'the holder: true');

select * from finish();
rollback;
