-- Bad arguments: 22023 with the exact message, nothing written.
begin;
select plan(4);

select tests.create_user_with_profile('rj_err_alice') as alice \gset
select job_id from tests.create_processing_job(:'alice', 'w1') \gset
create temp table jobs_before as select * from public.job_queue;

select throws_ok($$select public.release_job(null, 'w1')$$, '22023', 'release_job: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.release_job(%L, ' ')$$, :'job_id'), '22023', 'release_job: p_worker_id must not be empty', 'blank worker id');
select throws_ok(format($$select public.release_job(%L, null)$$, :'job_id'), '22023', 'release_job: p_worker_id must not be empty', 'null worker id');
select ok(not exists (select * from public.job_queue except select * from jobs_before), 'nothing written');

select * from finish();
rollback;
