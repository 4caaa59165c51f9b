-- The net schema's tables, as pg_net defines them: what production SQL selects from.
begin;
select plan(27);

select has_schema('net', 'schema net exists');
select schema_owner_is('net', 'supabase_admin', 'net belongs to supabase_admin');

select has_table('net', 'http_request_queue', 'the request queue exists');
select table_owner_is('net', 'http_request_queue', 'supabase_admin', 'the queue belongs to supabase_admin');
select col_type_is('net', 'http_request_queue', 'id', 'bigint', 'http_request_queue.id is bigint');
select col_type_is('net', 'http_request_queue', 'method', 'net', 'http_method', 'method is pg_net''s http_method domain');
select col_type_is('net', 'http_request_queue', 'url', 'text', 'http_request_queue.url is text');
select col_type_is('net', 'http_request_queue', 'headers', 'jsonb', 'http_request_queue.headers is jsonb');
select col_type_is('net', 'http_request_queue', 'body', 'bytea', 'http_request_queue.body is bytea');
select col_type_is('net', 'http_request_queue', 'timeout_milliseconds', 'integer', 'http_request_queue.timeout_milliseconds is integer');
select col_not_null('net', 'http_request_queue', 'url', 'http_request_queue.url is not null');
select col_not_null('net', 'http_request_queue', 'headers', 'http_request_queue.headers is not null');
select col_not_null('net', 'http_request_queue', 'timeout_milliseconds', 'http_request_queue.timeout_milliseconds is not null');
select throws_ok(
  $$select 'PUT'::net.http_method$$,
  '23514',
  'value for domain net.http_method violates check constraint "http_method_check"',
  'only GET, POST and DELETE are methods'
);

select has_table('net', '_http_response', 'the response table exists');
select table_owner_is('net', '_http_response', 'supabase_admin', 'the responses belong to supabase_admin');
select columns_are('net', '_http_response',
  array['id', 'status_code', 'content_type', 'headers', 'content', 'timed_out', 'error_msg', 'created']);
select col_type_is('net', '_http_response', 'id', 'bigint', '_http_response.id is bigint');
select col_type_is('net', '_http_response', 'status_code', 'integer', '_http_response.status_code is integer');
select col_type_is('net', '_http_response', 'headers', 'jsonb', '_http_response.headers is jsonb');
select col_type_is('net', '_http_response', 'content', 'text', '_http_response.content is text');
select col_type_is('net', '_http_response', 'timed_out', 'boolean', '_http_response.timed_out is boolean');
select col_type_is('net', '_http_response', 'created', 'timestamp with time zone', '_http_response.created is timestamp with time zone');
select col_default_is('net', '_http_response', 'created', 'now()', 'responses are stamped when written');
select has_index('net', '_http_response', '_http_response_created_idx', array['created'], 'responses are indexed by age, for expiry');

select has_trigger('net', 'http_request_queue', 'notify_dispatcher', 'the queue has the notify trigger');
select trigger_is('net', 'http_request_queue', 'notify_dispatcher', 'net', '_notify_dispatcher',
  'queued requests notify the dispatcher');

select * from finish();
rollback;
