-- Bad calls fail at once with a clear message and queue nothing.
begin;
select plan(19);

select throws_ok(
  $$select net.http_get(null, headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must not be null or empty', 'a null url'
);
select throws_ok(
  $$select net.http_post('', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must not be null or empty', 'an empty url'
);
select throws_ok(
  $$select net.http_delete('   ', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must not be null or empty', 'a blank url'
);
select throws_ok(
  $$select net.http_get('ftp://127.0.0.1/x', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must be an http:// or https:// URL without spaces, got "ftp://127.0.0.1/x"', 'another scheme'
);
select throws_ok(
  $$select net.http_post('127.0.0.1:9/x', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must be an http:// or https:// URL without spaces, got "127.0.0.1:9/x"', 'no scheme'
);
select throws_ok(
  $$select net.http_get('http:///x', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must be an http:// or https:// URL without spaces, got "http:///x"', 'no host'
);
select throws_ok(
  $$select net.http_get('http://127.0.0.1:9/a b', headers := '{"X-Validation": "1"}')$$,
  '22023', 'url must be an http:// or https:// URL without spaces, got "http://127.0.0.1:9/a b"', 'a space in the url'
);
select throws_ok(
  $$select net.http_get('http://127.0.0.1:9/x', params := '["a"]', headers := '{"X-Validation": "1"}')$$,
  '22023', 'params must be a JSON object, got array', 'params that are not an object'
);
-- These cannot carry the X-Validation marker; the url marks them instead.
select throws_ok(
  $$select net.http_get('http://127.0.0.1:9/validation-headers', headers := '[["X-A", "1"]]')$$,
  '22023', 'headers must be a JSON object, got array', 'http_get headers that are not an object'
);
select throws_ok(
  $$select net.http_delete('http://127.0.0.1:9/validation-headers', headers := '"X-A: 1"')$$,
  '22023', 'headers must be a JSON object, got string', 'http_delete headers that are not an object'
);
select throws_ok(
  $$select net.http_get('http://127.0.0.1:9/x', headers := '{"X-Validation": "1"}', timeout_milliseconds := -1)$$,
  '22023', 'timeout_milliseconds must be a positive number of milliseconds, got -1', 'a negative timeout'
);
select throws_ok(
  $$select net.http_post('http://127.0.0.1:9/x', headers := '{"X-Validation": "1"}', timeout_milliseconds := 0)$$,
  '22023', 'timeout_milliseconds must be a positive number of milliseconds, got 0', 'a zero timeout (curl: no timeout at all)'
);
select throws_ok(
  $$select net.http_delete('http://127.0.0.1:9/x', headers := '{"X-Validation": "1"}', timeout_milliseconds := null)$$,
  '22023', 'timeout_milliseconds must be a positive number of milliseconds, got null', 'a null timeout'
);
select throws_ok(
  $$select net.http_post('http://127.0.0.1:9/x', null, headers := '{"X-Validation": "1"}')$$,
  'P0001', 'body must not be null', 'a null POST body'
);
select throws_ok(
  $$select net.http_post('http://127.0.0.1:9/x', '{}', headers := '{"X-Validation": "1", "Content-Type": "text/csv"}')$$,
  'P0001', 'Content-Type header must be "application/json"', 'a POST that is not JSON'
);

select is_empty(
  $$select 1 from net.http_request_queue
    where (jsonb_typeof(headers) = 'object' and headers ? 'X-Validation') or url like '%/validation-%'$$,
  'no failed call queued anything'
);

select lives_ok($$select net.http_get('HTTPS://127.0.0.1:9/x')$$, 'the scheme is case-insensitive');
select lives_ok($$select net.http_get('http://[::1]:9/x?a=1#f')$$, 'IPv6 hosts, queries and fragments are fine');
select lives_ok($$select net.http_get('http://127.0.0.1:9/x', timeout_milliseconds := 1)$$, '1 ms is a valid timeout');

select * from finish();
rollback;
