-- Bad arguments: 22023 with the exact message, and nothing written.
begin;
select plan(10);

select tests.create_user_with_profile('rn_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 1, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_narrative(%L, 'w1', ' ', 'n', 'm', 0)$$, :'job_id'), '22023',
  'record_narrative: p_title must be 1 to 300 characters', 'blank title');
select throws_ok(format($$select public.record_narrative(%L, 'w1', %L, 'n', 'm', 0)$$, :'job_id', repeat('t', 301)), '22023',
  'record_narrative: p_title must be 1 to 300 characters', 'title too long');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', ' ', 'm', 0)$$, :'job_id'), '22023',
  'record_narrative: p_narrative must not be empty', 'blank narrative');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', null, 'm', 0)$$, :'job_id'), '22023',
  'record_narrative: p_narrative must not be empty', 'null narrative');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', 'n', null, 0)$$, :'job_id'), '22023',
  'record_narrative: p_model must not be empty', 'null model');
select throws_ok(format($$select public.record_narrative(%L, 'w1', 't', 'n', 'm', -5)$$, :'job_id'), '22023',
  'record_narrative: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok($$select public.record_narrative(null, 'w1', 't', 'n', 'm', 0)$$, '22023',
  'record_narrative: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.record_narrative(%L, '', 't', 'n', 'm', 0)$$, :'job_id'), '22023',
  'record_narrative: p_worker_id must not be empty', 'empty worker id');
select is((select count(*)::integer from public.clinical_narratives where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');

select * from finish();
rollback;
