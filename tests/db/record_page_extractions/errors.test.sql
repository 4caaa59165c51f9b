-- Bad arguments: 22023 naming the parameter (and the item, as p_items[i]); nothing written,
-- not even the valid items before a bad one. The category list is the table's CHECK.
begin;
select plan(19);

select tests.create_user_with_profile('rpx_err_alice') as alice \gset
select job_id, shell_file_id from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 1, "ocr_pages": [], "text_done": 1, "pass1_done": 1, "pass2_done": 0, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table audit_before as select count(*) as n from public.audit_log;
create function pg_temp.call(p_items text) returns text language sql as $$
  select format('select public.record_page_extractions(%L, %L, 1, %L, %L)', current_setting('fix.job'), 'w1', p_items, 'm')
$$;
select set_config('fix.job', :'job_id', true);

select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 0, '[]', 'm')$$, :'job_id'), '22023',
  'record_page_extractions: p_page_number must be a positive integer', 'page 0');
select throws_ok(pg_temp.call('{"items": []}'), '22023', 'record_page_extractions: p_items must be a JSON array', 'an object');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[]', '')$$, :'job_id'), '22023',
  'record_page_extractions: p_model must not be empty', 'empty model');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[]', 'm', -1)$$, :'job_id'), '22023',
  'record_page_extractions: p_tokens_used must be a non-negative integer', 'negative tokens');
select throws_ok(format($$select public.record_page_extractions(%L, 'w1', 1, '[]', 'm', null)$$, :'job_id'), '22023',
  'record_page_extractions: p_tokens_used must be a non-negative integer', 'null tokens');
select throws_ok(pg_temp.call('[{"category": "other", "label": "ok"}, "text"]'), '22023',
  'record_page_extractions: p_items[1] must be a JSON object', 'an item that is not an object (named by position)');
select throws_ok(pg_temp.call('[{"category": "diagnosis", "label": "x"}]'), '22023',
  'record_page_extractions: p_items[0].category must be one of condition, medication, allergy, procedure, observation, immunization, encounter, other',
  'an unknown category');
select throws_ok(pg_temp.call('[{"label": "x"}]'), '22023',
  'record_page_extractions: p_items[0].category must be one of condition, medication, allergy, procedure, observation, immunization, encounter, other',
  'no category');
select throws_ok(pg_temp.call('[{"category": "other", "label": "   "}]'), '22023',
  'record_page_extractions: p_items[0].label must be a string of 1 to 500 characters', 'a blank label');
select throws_ok(pg_temp.call(format('[{"category": "other", "label": "%s"}]', repeat('x', 501))), '22023',
  'record_page_extractions: p_items[0].label must be a string of 1 to 500 characters', 'a label too long');
select throws_ok(pg_temp.call('[{"category": "other", "label": 5}]'), '22023',
  'record_page_extractions: p_items[0].label must be a string of 1 to 500 characters', 'a label that is not a string');
select throws_ok(pg_temp.call('[{"category": "other", "label": "x", "details": [1]}]'), '22023',
  'record_page_extractions: p_items[0].details must be a JSON object', 'details not an object');
select throws_ok(pg_temp.call('[{"category": "other", "label": "x", "confidence": 2}]'), '22023',
  'record_page_extractions: p_items[0].confidence must be a number between 0 and 1', 'confidence above 1');
select throws_ok(pg_temp.call('[{"category": "other", "label": "x", "confidence": "high"}]'), '22023',
  'record_page_extractions: p_items[0].confidence must be a number between 0 and 1', 'confidence not a number');
select throws_ok($$select public.record_page_extractions(null, 'w1', 1, '[]', 'm')$$, '22023',
  'record_page_extractions: p_job_id must not be null', 'null job id');
select throws_ok(format($$select public.record_page_extractions(%L, ' ', 1, '[]', 'm')$$, :'job_id'), '22023',
  'record_page_extractions: p_worker_id must not be empty', 'blank worker id');
select is((select count(*)::integer from public.clinical_extractions where shell_file_id = :'shell_file_id'), 0, 'no row written');
select ok(not exists (select * from public.job_queue except select * from jobs_before)
          and (select count(*) from public.audit_log) = (select n from audit_before), 'no progress, no beat, no audit');
-- The function's category list is exactly the table's CHECK.
select is(
  (select array_agg(m[1] order by m[1]) from regexp_matches(
     (select pg_get_constraintdef(c.oid) from pg_constraint c
       where c.conrelid = 'public.clinical_extractions'::regclass and c.contype = 'c' and pg_get_constraintdef(c.oid) like '%category%'),
     '''([a-z_]+)''', 'g') m),
  (select array_agg(c order by c) from unnest(array['condition', 'medication', 'allergy', 'procedure', 'observation',
                                                    'immunization', 'encounter', 'other']) c),
  'the categories the RPC accepts are those of clinical_extractions'' CHECK');

select * from finish();
rollback;
