-- Each validation error: its SQLSTATE and exact message, and nothing written.
begin;
select plan(33);

-- The type registry is the one source: a type added to it appears in the message.
insert into public.job_lanes (job_type, job_lane, is_default, description)
values ('zz_added_type', 'only', true, 'test'), ('zz_no_default', 'a', false, 'test'), ('zz_no_default', 'b', false, 'test');
select string_agg(distinct l.job_type, ', ' order by l.job_type) as allowed_types from public.job_lanes l \gset

select count(*) as jobs_before from public.job_queue \gset
select count(*) as audit_before from public.audit_log \gset

-- job_type / job_lane
select throws_ok($$select public.enqueue_job_v3('nope', 'n', '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_type must be one of ' || :'allowed_types' || ', got nope', 'unknown job_type, allowed list from job_lanes');
select ok(:'allowed_types' like '%zz_added_type%' and :'allowed_types' like '%shell_file_processing%',
  'the list holds the seeded types and one added to the registry');
select throws_ok($$select public.enqueue_job_v3(null, 'n', '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_type must be one of ' || :'allowed_types' || ', got null', 'null job_type');
select throws_ok($$select public.enqueue_job_v3('shell_file_processing', 'n', '{"k": 1}', job_lane => 'fast')$$, '22023',
  'enqueue_job_v3: job_lane for job_type shell_file_processing must be one of priority, standard, got fast', 'unknown lane');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', job_lane => 'priority')$$, '22023',
  'enqueue_job_v3: job_lane for job_type report_generation must be one of standard, got priority', 'a lane of another type');
select throws_ok($$select public.enqueue_job_v3('zz_no_default', 'n', '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_type zz_no_default has no default lane; job_lane must be one of a, b', 'no default lane');

-- job_name
select throws_ok($$select public.enqueue_job_v3('report_generation', '', '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_name must not be empty', 'empty job_name');
select throws_ok($$select public.enqueue_job_v3('report_generation', '   ', '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_name must not be empty', 'blank job_name');
select throws_ok($$select public.enqueue_job_v3('report_generation', null, '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_name must not be empty', 'null job_name');
select throws_ok($$select public.enqueue_job_v3('report_generation', repeat('x', 201), '{"k": 1}')$$, '22023',
  'enqueue_job_v3: job_name must be at most 200 characters', 'job_name too long');

-- job_category, priority, scheduled_at, max_retries
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', 'urgent')$$, '22023',
  'enqueue_job_v3: job_category must be one of critical, high_priority, standard, background, maintenance, got urgent', 'unknown category');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', null)$$, '22023',
  'enqueue_job_v3: job_category must be one of critical, high_priority, standard, background, maintenance, got null', 'null category');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', priority => 0)$$, '22023',
  'enqueue_job_v3: priority must be between 1 and 10, got 0', 'priority 0');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', priority => 11)$$, '22023',
  'enqueue_job_v3: priority must be between 1 and 10, got 11', 'priority 11');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', priority => null)$$, '22023',
  'enqueue_job_v3: priority must be between 1 and 10, got null', 'null priority');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', scheduled_at => null)$$, '22023',
  'enqueue_job_v3: scheduled_at must not be null', 'null scheduled_at');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', max_retries => 101)$$, '22023',
  'enqueue_job_v3: max_retries must be between 0 and 100, got 101', 'max_retries too high');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', max_retries => -1)$$, '22023',
  'enqueue_job_v3: max_retries must be between 0 and 100, got -1', 'negative max_retries');

-- job_payload
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', null)$$, '22023',
  'enqueue_job_v3: job_payload must be a non-empty JSON object', 'null payload');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{}')$$, '22023',
  'enqueue_job_v3: job_payload must be a non-empty JSON object', 'empty object');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '[1]')$$, '22023',
  'enqueue_job_v3: job_payload must be a non-empty JSON object', 'an array');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '"text"')$$, '22023',
  'enqueue_job_v3: job_payload must be a non-empty JSON object', 'a string');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"estimated_tokens": -1}')$$, '22023',
  'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer', 'negative estimate');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"estimated_tokens": 1.5}')$$, '22023',
  'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer', 'fractional estimate');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"estimated_tokens": "100"}')$$, '22023',
  'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer', 'estimate as a string');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"estimated_tokens": null}')$$, '22023',
  'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer', 'estimate null');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"estimated_tokens": 3000000000}')$$, '22023',
  'enqueue_job_v3: job_payload.estimated_tokens must be a non-negative integer', 'estimate beyond integer');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"api_provider": "openai"}')$$, '22023',
  'enqueue_job_v3: job_payload must name both api_provider and api_endpoint, or neither', 'provider without endpoint');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"api_endpoint": "gpt-4o-mini"}')$$, '22023',
  'enqueue_job_v3: job_payload must name both api_provider and api_endpoint, or neither', 'endpoint without provider');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"api_provider": 1, "api_endpoint": "x"}')$$, '22023',
  'enqueue_job_v3: job_payload.api_provider and job_payload.api_endpoint must be non-empty strings', 'provider not a string');
select throws_ok($$select public.enqueue_job_v3('report_generation', 'n', '{"api_provider": "openai", "api_endpoint": " "}')$$, '22023',
  'enqueue_job_v3: job_payload.api_provider and job_payload.api_endpoint must be non-empty strings', 'blank endpoint');

select is((select count(*) from public.job_queue), :jobs_before::bigint, 'no job written');
select is((select count(*) from public.audit_log), :audit_before::bigint, 'no audit event written');

select * from finish();
rollback;
