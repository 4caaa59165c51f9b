-- error_details keeps a history: events appended (stamped with now()), other keys
-- kept, a non-object kept under "previous", at most the last 50 events.
begin;
select plan(7);

select is(private.append_job_event(null, '{"event": "failed"}'),
  jsonb_build_object('attempts', jsonb_build_array(jsonb_build_object('at', now(), 'event', 'failed'))),
  'from nothing: one stamped event');
select is(private.append_job_event('{"attempts": [{"event": "a"}], "dead_letter_reason": "x"}', '{"event": "b"}'),
  jsonb_build_object('attempts', jsonb_build_array('{"event": "a"}'::jsonb, jsonb_build_object('at', now(), 'event', 'b')),
                     'dead_letter_reason', 'x'),
  'appended after the earlier events; other keys kept');
select is(private.append_job_event('"old text error"', '{"event": "b"}'),
  jsonb_build_object('previous', 'old text error', 'attempts', jsonb_build_array(jsonb_build_object('at', now(), 'event', 'b'))),
  'a non-object is kept under "previous"');
select is(private.append_job_event('{"attempts": "oops"}', '{"event": "b"}') -> 'attempts',
  jsonb_build_array(jsonb_build_object('at', now(), 'event', 'b')), 'a malformed attempts value restarts the list');

create temp table long_history as
  select private.append_job_event(
           jsonb_build_object('attempts', (select jsonb_agg(jsonb_build_object('n', g)) from generate_series(1, 50) g)),
           '{"n": 51}') as d;
select is((select jsonb_array_length(d -> 'attempts') from long_history), 50, 'at most 50 events');
select is((select (d -> 'attempts' -> 0 ->> 'n') || '..' || (d -> 'attempts' -> -1 ->> 'n') from long_history), '2..51',
  'the oldest dropped, order kept');
select ok(not has_function_privilege('service_role', 'private.append_job_event(jsonb, jsonb)', 'execute')
          and not has_function_privilege('anon', 'private.append_job_event(jsonb, jsonb)', 'execute')
          and not has_function_privilege('authenticated', 'private.append_job_event(jsonb, jsonb)', 'execute'),
  'internal: no client role may execute it');

select * from finish();
rollback;
