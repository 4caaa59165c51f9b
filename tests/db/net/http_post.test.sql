-- net.http_post writes one queue row: POST, the url with params encoded, the headers with
-- Content-Type added when missing, the body as the jsonb's text, the timeout.
begin;
select plan(6);

create temp table req (name text primary key, id bigint);
insert into req values ('defaults', net.http_post('http://127.0.0.1:9/defaults'));
insert into req values ('full', net.http_post(
  url := 'http://127.0.0.1:9/full',
  body := '{"job": 7, "name": "ä"}',
  params := '{"q": "a b"}',
  headers := '{"Authorization": "Bearer t", "X-Count": 3}',
  timeout_milliseconds := 1234
));
insert into req values ('own-type', net.http_post(
  'http://127.0.0.1:9/own-type', '{}', headers := '{"content-type": "application/json"}'
));
insert into req values ('no-headers', net.http_post('http://127.0.0.1:9/no-headers', '[1, 2]', headers := '{}'));

create function pg_temp.queued(p_name text)
returns table (method text, url text, headers jsonb, body text, timeout_milliseconds int)
language sql as $$
  select q.method::text, q.url, q.headers, convert_from(q.body, 'UTF8'), q.timeout_milliseconds
  from net.http_request_queue q join req on req.id = q.id
  where req.name = p_name
$$;

select results_eq(
  $$select * from pg_temp.queued('defaults')$$,
  $$values ('POST', 'http://127.0.0.1:9/defaults', '{"Content-Type": "application/json"}'::jsonb, '{}', 5000)$$,
  'defaults: an empty JSON object, JSON content type, 5 s timeout'
);

select results_eq(
  $$select * from pg_temp.queued('full')$$,
  $$values (
    'POST',
    'http://127.0.0.1:9/full?q=a%20b',
    '{"Authorization": "Bearer t", "X-Count": 3, "Content-Type": "application/json"}'::jsonb,
    '{"job": 7, "name": "ä"}',
    1234
  )$$,
  'every argument lands in the queue row; Content-Type is added to the given headers'
);

select results_eq(
  $$select * from pg_temp.queued('own-type')$$,
  $$values ('POST', 'http://127.0.0.1:9/own-type', '{"content-type": "application/json"}'::jsonb, '{}', 5000)$$,
  'a Content-Type given in any case is kept, not doubled'
);

select is(
  (select headers from pg_temp.queued('no-headers')),
  '{"Content-Type": "application/json"}'::jsonb,
  'empty headers get the JSON Content-Type'
);

select is(
  (select body::jsonb from pg_temp.queued('no-headers')),
  '[1, 2]'::jsonb,
  'any JSON value is a body'
);

select throws_ok(
  $$select net.http_post('http://127.0.0.1:9/x', '{}', headers := '{"Content-Type": "text/plain"}')$$,
  'P0001',
  'Content-Type header must be "application/json"',
  'another Content-Type is refused with pg_net''s message'
);

select * from finish();
rollback;
