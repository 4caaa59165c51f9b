-- net.http_get/http_post/http_delete: pg_net 0.19/0.20's signatures, defaults and return
-- type, one overload each, security definer with an empty search_path, owned by supabase_admin.
begin;
select plan(27);

select has_function('net', 'http_get', array['text', 'jsonb', 'jsonb', 'integer']);
select function_returns('net', 'http_get', array['text', 'jsonb', 'jsonb', 'integer'], 'bigint');
select is(
  pg_get_function_arguments('net.http_get(text, jsonb, jsonb, integer)'::regprocedure),
  'url text, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{}''::jsonb, timeout_milliseconds integer DEFAULT 5000',
  'http_get: argument names and defaults'
);

select has_function('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer']);
select function_returns('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer'], 'bigint');
select is(
  pg_get_function_arguments('net.http_post(text, jsonb, jsonb, jsonb, integer)'::regprocedure),
  'url text, body jsonb DEFAULT ''{}''::jsonb, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{"Content-Type": "application/json"}''::jsonb, timeout_milliseconds integer DEFAULT 5000',
  'http_post: argument names and defaults'
);

select has_function('net', 'http_delete', array['text', 'jsonb', 'jsonb', 'integer', 'jsonb']);
select function_returns('net', 'http_delete', array['text', 'jsonb', 'jsonb', 'integer', 'jsonb'], 'bigint');
select is(
  pg_get_function_arguments('net.http_delete(text, jsonb, jsonb, integer, jsonb)'::regprocedure),
  'url text, params jsonb DEFAULT ''{}''::jsonb, headers jsonb DEFAULT ''{}''::jsonb, timeout_milliseconds integer DEFAULT 5000, body jsonb DEFAULT NULL::jsonb',
  'http_delete: argument names and defaults (body since pg_net 0.19)'
);

-- A signature change applied by `create or replace` would leave the old overload behind.
select is(
  (select array_agg(proname::text order by proname) from pg_proc
   where pronamespace = 'net'::regnamespace and proname in ('http_get', 'http_post', 'http_delete')),
  array['http_delete', 'http_get', 'http_post'],
  'exactly one overload of each'
);

select is_definer('net', 'http_get', array['text', 'jsonb', 'jsonb', 'integer']);
select is_definer('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer']);
select is_definer('net', 'http_delete', array['text', 'jsonb', 'jsonb', 'integer', 'jsonb']);

select function_owner_is('net', 'http_get', array['text', 'jsonb', 'jsonb', 'integer'], 'supabase_admin');
select function_owner_is('net', 'http_post', array['text', 'jsonb', 'jsonb', 'jsonb', 'integer'], 'supabase_admin');
select function_owner_is('net', 'http_delete', array['text', 'jsonb', 'jsonb', 'integer', 'jsonb'], 'supabase_admin');

select is(
  (select proconfig from pg_proc where oid = 'net.http_get(text, jsonb, jsonb, integer)'::regprocedure),
  array['search_path=""'],
  'http_get runs with an empty search_path'
);
select is(
  (select proconfig from pg_proc where oid = 'net.http_post(text, jsonb, jsonb, jsonb, integer)'::regprocedure),
  array['search_path=""'],
  'http_post runs with an empty search_path'
);
select is(
  (select proconfig from pg_proc where oid = 'net.http_delete(text, jsonb, jsonb, integer, jsonb)'::regprocedure),
  array['search_path=""'],
  'http_delete runs with an empty search_path'
);

-- The calls production code makes, positional and named, resolve and return an id.
select isnt(net.http_get('http://127.0.0.1:9/a'), null, 'http_get(url)');
select isnt(net.http_post('http://127.0.0.1:9/a'), null, 'http_post(url)');
select isnt(net.http_post('http://127.0.0.1:9/a', '{"a": 1}'::jsonb), null, 'http_post(url, body)');
select isnt(net.http_post(url := 'http://127.0.0.1:9/a', body := '{}'::jsonb, headers := '{"Authorization": "Bearer x"}'::jsonb, timeout_milliseconds := 1000), null, 'http_post with named arguments');
select isnt(net.http_delete('http://127.0.0.1:9/a'), null, 'http_delete(url)');
select isnt(net.http_delete(url := 'http://127.0.0.1:9/a', body := '{"id": 1}'::jsonb), null, 'http_delete(url, body := ...)');

-- Separate statements: a statement does not see rows its own function call inserted.
create temp table ids (n int, id bigint);
insert into ids values (1, net.http_get('http://127.0.0.1:9/id-check-1'));
insert into ids values (2, net.http_get('http://127.0.0.1:9/id-check-2'));
select is(
  (select id from ids where n = 1),
  (select id from net.http_request_queue where url = 'http://127.0.0.1:9/id-check-1'),
  'the id returned is the queue row''s id'
);
select cmp_ok((select id from ids where n = 2), '>', (select id from ids where n = 1), 'request ids increase');

select * from finish();
rollback;
