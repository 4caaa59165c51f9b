-- Params are url-encoded onto the url as pg_net does with curl: every byte of UTF-8 but
-- A-Z a-z 0-9 - . _ ~ becomes %XX, pairs are joined by &, in jsonb's key order, before any
-- fragment, after any existing query.
begin;
select plan(13);

create function pg_temp.queued_url(p_url text, p_params jsonb) returns text
language plpgsql as $$
declare
  v_id bigint := net.http_get(p_url, p_params);
begin
  return (select url from net.http_request_queue where id = v_id);
end
$$;

select is(pg_temp.queued_url('http://h/p', '{"q": "a b"}'), 'http://h/p?q=a%20b', 'a space is %20, not +');
select is(
  pg_temp.queued_url('http://h/p', '{"q": "a&b=c/d?e#f+g%h"}'),
  'http://h/p?q=a%26b%3Dc%2Fd%3Fe%23f%2Bg%25h',
  'reserved characters are encoded'
);
select is(pg_temp.queued_url('http://h/p', '{"k": "AZaz09-._~"}'), 'http://h/p?k=AZaz09-._~', 'unreserved characters are kept');
select is(
  pg_temp.queued_url('http://h/p', '{"q": "é€😀"}'),
  'http://h/p?q=%C3%A9%E2%82%AC%F0%9F%98%80',
  'non-ASCII is encoded byte by byte from UTF-8, upper-case hex'
);
select is(pg_temp.queued_url('http://h/p', '{"a key": "v"}'), 'http://h/p?a%20key=v', 'keys are encoded too');
select is(
  pg_temp.queued_url('http://h/p', '{"lang": "fr", "q": "x"}'),
  'http://h/p?q=x&lang=fr',
  'pairs come in jsonb''s key order (shorter keys first), as in pg_net'
);
select is(pg_temp.queued_url('http://h/p?x=1', '{"y": "2"}'), 'http://h/p?x=1&y=2', 'appended to an existing query');
select is(pg_temp.queued_url('http://h/p?', '{"y": "2"}'), 'http://h/p?y=2', 'an empty query is filled, not given a stray &');
select is(pg_temp.queued_url('http://h/p#top', '{"y": "2"}'), 'http://h/p?y=2#top', 'inserted before the fragment');
select is(pg_temp.queued_url('http://h/p', '{"a": null, "b": "1"}'), 'http://h/p?b=1', 'null values are left out');
select is(pg_temp.queued_url('http://h/p', '{"n": 5, "t": true}'), 'http://h/p?n=5&t=true', 'numbers and booleans as text');
select is(pg_temp.queued_url('http://h/p', '{"e": ""}'), 'http://h/p?e=', 'an empty value keeps its =');
select is(pg_temp.queued_url('http://h/p?x=1#f', '{}'), 'http://h/p?x=1#f', 'no params: the url as given');

select * from finish();
rollback;
