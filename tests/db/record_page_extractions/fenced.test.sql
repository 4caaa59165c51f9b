-- A worker that lost its lease (reclaimed, claimed by w2) gets false and writes nothing.
begin;
select plan(6);

select tests.create_user_with_profile('rpx_fence_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 0, "narrative_done": false}') \gset
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'job_id';
select public.reclaim_expired_jobs();
update public.job_queue set scheduled_at = now(), priority = 10 where id = :'job_id';
select is((select c.job_id from public.claim_next_job_v3('w2', array['shell_file_processing']) c), :'job_id'::uuid, 'w2 claimed it');
update public.job_queue set heartbeat_at = now() - interval '5 seconds' where id = :'job_id';
create temp table jobs_before as select * from public.job_queue where id = :'job_id';
create temp table audit_before as select count(*) as n from public.audit_log;

select is(public.record_page_extractions(:'job_id', 'w1', 1, '[{"category": "other", "label": "late"}]', 'm', 300), false, 'the old holder: false');
select is((select count(*)::integer from public.clinical_extractions where shell_file_id = :'shell_file_id'), 0, 'no row');
select set_eq(format('select * from public.job_queue where id = %L', :'job_id'), 'select * from jobs_before', 'no progress, no tokens, no beat');
select is((select count(*) from public.audit_log), (select n from audit_before), 'no audit event');
select is(public.record_page_extractions(:'job_id', 'w2', 1, '[{"category": "other", "label": "x"}]', 'm'), true, 'the new holder records');

select * from finish();
rollback;
