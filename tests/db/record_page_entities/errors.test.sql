-- Bad arguments: 22023 with the exact message, and nothing written.
begin;
select plan(10);

select tests.create_user_with_profile('rpe_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;

select throws_ok(format($$select public.record_page_entities(%L, 'w1', 0, '[]', 'm', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_page_number must be a positive integer', 'page 0');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, '{"entities": []}', 'm', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_entities must be a JSON array', 'an object, not an array');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, null, 'm', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_entities must be a JSON array', 'null entities');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, '[]', '  ', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_model must not be empty', 'blank model');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, '[]', 'm', -1)$$, :'job_id'), '22023',
  'record_page_entities: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok(format($$select public.record_page_entities(%L, 'w1', 1, '[]', 'm', null)$$, :'job_id'), '22023',
  'record_page_entities: p_tokens_used must be a non-negative integer', 'null tokens');
select throws_ok($$select public.record_page_entities(null, 'w1', 1, '[]', 'm', 0)$$, '22023',
  'record_page_entities: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.record_page_entities(%L, null, 1, '[]', 'm', 0)$$, :'job_id'), '22023',
  'record_page_entities: p_worker_id must not be empty', 'null worker id');
select is((select count(*)::integer from public.page_entity_detections where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');

select * from finish();
rollback;
