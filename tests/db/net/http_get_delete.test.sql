-- net.http_get and net.http_delete write one queue row each: the method, the url with params
-- encoded, the headers, a body only for DELETE when given, the timeout.
begin;
select plan(5);

create temp table req (name text primary key, id bigint);
insert into req values ('get-defaults', net.http_get('http://127.0.0.1:9/get'));
insert into req values ('get-full', net.http_get(
  url := 'http://127.0.0.1:9/get',
  params := '{"page": "2", "q": "a b"}',
  headers := '{"Authorization": "Bearer t"}',
  timeout_milliseconds := 250
));
insert into req values ('get-null-headers', net.http_get('http://127.0.0.1:9/get', headers := null));
insert into req values ('delete-defaults', net.http_delete('http://127.0.0.1:9/items/1'));
insert into req values ('delete-body', net.http_delete(
  url := 'http://127.0.0.1:9/items',
  params := '{"id": "eq.1"}',
  headers := '{"apikey": "k"}',
  timeout_milliseconds := 900,
  body := '{"reason": "gone"}'
));

create function pg_temp.queued(p_name text)
returns table (method text, url text, headers jsonb, body text, timeout_milliseconds int)
language sql as $$
  select q.method::text, q.url, q.headers, convert_from(q.body, 'UTF8'), q.timeout_milliseconds
  from net.http_request_queue q join req on req.id = q.id
  where req.name = p_name
$$;

select results_eq(
  $$select * from pg_temp.queued('get-defaults')$$,
  $$values ('GET', 'http://127.0.0.1:9/get', '{}'::jsonb, null::text, 5000)$$,
  'http_get defaults: no headers, no body, 5 s timeout'
);

select results_eq(
  $$select * from pg_temp.queued('get-full')$$,
  $$values ('GET', 'http://127.0.0.1:9/get?q=a%20b&page=2', '{"Authorization": "Bearer t"}'::jsonb, null::text, 250)$$,
  'http_get: params encoded onto the url, headers and timeout kept'
);

select is(
  (select headers from pg_temp.queued('get-null-headers')),
  '{}'::jsonb,
  'null headers are stored as none'
);

select results_eq(
  $$select * from pg_temp.queued('delete-defaults')$$,
  $$values ('DELETE', 'http://127.0.0.1:9/items/1', '{}'::jsonb, null::text, 5000)$$,
  'http_delete defaults: no headers, no body, 5 s timeout'
);

select results_eq(
  $$select * from pg_temp.queued('delete-body')$$,
  $$values ('DELETE', 'http://127.0.0.1:9/items?id=eq.1', '{"apikey": "k"}'::jsonb, '{"reason": "gone"}', 900)$$,
  'http_delete: params, headers, timeout and the optional body'
);

select * from finish();
rollback;
