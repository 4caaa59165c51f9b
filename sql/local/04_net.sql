-- Local bootstrap, part 4: a stand-in for Supabase's pg_net extension, which cannot be
-- installed here. Same SQL surface as pg_net 0.19/0.20: schema `net`, the request queue, the
-- response table and net.http_get/http_post/http_delete. A call only writes a queue row; the
-- net dispatcher (stack/net_dispatcher.ts) sends it once the caller commits and writes the
-- outcome to net._http_response, as pg_net's background worker does.
-- Run by supabase_admin on every `stack start`, so everything here belongs to it; idempotent.

create schema if not exists net;

do $$
begin
  if not exists (
    select 1 from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = 'net' and t.typname = 'http_method'
  ) then
    create domain net.http_method as text
      check (value ilike 'get' or value ilike 'post' or value ilike 'delete');
  end if;
end
$$;

-- pg_net's tables are unlogged and have no keys. These are logged, so a crash of the local
-- PostgreSQL loses no queued request, and the queue has a key the dispatcher can rely on.
create table if not exists net.http_request_queue (
  id bigserial primary key,
  method net.http_method not null,
  url text not null,
  headers jsonb not null,
  body bytea,
  timeout_milliseconds int not null
);

create table if not exists net._http_response (
  id bigint,
  status_code integer,
  content_type text,
  headers jsonb,
  content text,
  timed_out bool,
  error_msg text,
  created timestamptz not null default now()
);
-- The dispatcher deletes expired responses by age (pg_net's index, under pg_net's name).
create index if not exists _http_response_created_idx on net._http_response (created);

-- Wakes the dispatcher as soon as the enqueuing transaction commits (NOTIFY is only delivered
-- on commit, like the request itself). The dispatcher also polls, so a lost notify costs
-- a fraction of a second, nothing more.
create or replace function net._notify_dispatcher() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  perform pg_notify('net_http_request', new.id::text);
  return null;
end
$$;

create or replace trigger notify_dispatcher
  after insert on net.http_request_queue
  for each row execute function net._notify_dispatcher();

-- curl_escape(), which pg_net calls in C: every byte of the UTF-8 encoding except the
-- unreserved characters A-Z a-z 0-9 - . _ ~ becomes %XX.
create or replace function net._urlencode_string(string varchar) returns text
language sql
immutable strict parallel safe
set search_path = ''
as $$
  select coalesce(string_agg(
    case
      when b between 48 and 57 or b between 65 and 90 or b between 97 and 122 or b in (45, 46, 95, 126)
        then chr(b)
      else '%' || upper(lpad(to_hex(b), 2, '0'))
    end, '' order by i), '')
  from convert_to(string, 'UTF8') as bytes(v),
    generate_series(0, length(v) - 1) as i,
    get_byte(v, i) as b
$$;

-- Appends already-encoded `key=value` pairs to the url's query (before any #fragment), the
-- way curl_url's CURLU_APPENDQUERY does for pg_net. Null pairs are skipped, as in pg_net.
create or replace function net._encode_url_with_params_array(url text, params_array text[])
returns text
language plpgsql
immutable parallel safe
set search_path = ''
as $$
declare
  v_query text := array_to_string(params_array, '&');
  v_base text := url;
  v_fragment text := '';
  v_hash int := strpos(url, '#');
begin
  if v_query is null or v_query = '' then
    return url;
  end if;
  if v_hash > 0 then
    v_fragment := substr(url, v_hash);
    v_base := left(url, v_hash - 1);
  end if;
  if strpos(v_base, '?') = 0 then
    v_base := v_base || '?';
  elsif right(v_base, 1) not in ('?', '&') then
    v_base := v_base || '&';
  end if;
  return v_base || v_query || v_fragment;
end
$$;

-- The url a request goes to: `params` (a jsonb object) url-encoded onto `url`, in jsonb's
-- key order, as pg_net builds it.
create or replace function net._url_with_params(url text, params jsonb) returns text
language sql
immutable parallel safe
set search_path = ''
as $$
  select net._encode_url_with_params_array(
    url,
    coalesce(
      (select array_agg(net._urlencode_string(p.key) || '=' || net._urlencode_string(p.value) order by p.ord)
       from jsonb_each_text(coalesce(params, '{}'::jsonb)) with ordinality as p(key, value, ord)),
      '{}'
    )
  )
$$;

-- Checks pg_net itself does late or not at all (a bad url fails in the worker there, a bad
-- timeout is written as an error response, headers that are not an object stop the worker).
-- Failing the call instead writes nothing and tells the caller at once.
create or replace function net._check_request(
  url text, params jsonb, headers jsonb, timeout_milliseconds int
) returns void
language plpgsql
immutable parallel safe
set search_path = ''
as $$
begin
  if url is null or btrim(url) = '' then
    raise exception 'url must not be null or empty' using errcode = '22023';
  end if;
  if url !~* '^https?://[^/?#[:space:]]+[^[:space:][:cntrl:]]*$' then
    raise exception 'url must be an http:// or https:// URL without spaces, got "%"', url
      using errcode = '22023';
  end if;
  if jsonb_typeof(params) <> 'object' then
    raise exception 'params must be a JSON object, got %', jsonb_typeof(params) using errcode = '22023';
  end if;
  if jsonb_typeof(headers) <> 'object' then
    raise exception 'headers must be a JSON object, got %', jsonb_typeof(headers) using errcode = '22023';
  end if;
  if timeout_milliseconds is null or timeout_milliseconds < 1 then
    raise exception 'timeout_milliseconds must be a positive number of milliseconds, got %',
      coalesce(timeout_milliseconds::text, 'null')
      using errcode = '22023';
  end if;
end
$$;

-- The queue row every request becomes, once its inputs have passed net._check_request.
create or replace function net._enqueue(
  method text, url text, params jsonb, headers jsonb, body jsonb, timeout_milliseconds int
) returns bigint
language sql
volatile
set search_path = ''
as $$
  insert into net.http_request_queue (method, url, headers, body, timeout_milliseconds)
  values (
    method,
    net._url_with_params(url, params),
    coalesce(headers, '{}'::jsonb),
    convert_to(body::text, 'UTF8'),
    timeout_milliseconds
  )
  returning id
$$;

create or replace function net.http_get(
  -- url for the request
  url text,
  -- key/value pairs to be url encoded and appended to the `url`
  params jsonb default '{}'::jsonb,
  -- key/values to be included in request headers
  headers jsonb default '{}'::jsonb,
  -- the maximum number of milliseconds the request may take before being cancelled
  timeout_milliseconds int default 5000
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform net._check_request(url, params, headers, timeout_milliseconds);
  return net._enqueue('GET', url, params, headers, null, timeout_milliseconds);
end
$$;

create or replace function net.http_post(
  -- url for the request
  url text,
  -- body of the POST request
  body jsonb default '{}'::jsonb,
  -- key/value pairs to be url encoded and appended to the `url`
  params jsonb default '{}'::jsonb,
  -- key/values to be included in request headers
  headers jsonb default '{"Content-Type": "application/json"}'::jsonb,
  -- the maximum number of milliseconds the request may take before being cancelled
  timeout_milliseconds int default 5000
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
declare
  content_type text;
begin
  perform net._check_request(url, params, headers, timeout_milliseconds);
  -- pg_net 0.19+ sends an empty POST for a null body; older releases raised this. Raising
  -- keeps a forgotten body from passing locally unnoticed.
  if body is null then
    raise exception 'body must not be null';
  end if;

  select h.value into content_type
  from jsonb_each_text(coalesce(headers, '{}'::jsonb)) as h(key, value)
  where lower(h.key) = 'content-type'
  limit 1;
  -- pg_net's rules and wording: a missing Content-Type is added, any other one is an error.
  if content_type is null then
    headers := coalesce(headers, '{}'::jsonb) || '{"Content-Type": "application/json"}'::jsonb;
  elsif content_type <> 'application/json' then
    raise exception 'Content-Type header must be "application/json"';
  end if;

  return net._enqueue('POST', url, params, headers, body, timeout_milliseconds);
end
$$;

-- pg_net 0.19 added the optional body.
create or replace function net.http_delete(
  -- url for the request
  url text,
  -- key/value pairs to be url encoded and appended to the `url`
  params jsonb default '{}'::jsonb,
  -- key/values to be included in request headers
  headers jsonb default '{}'::jsonb,
  -- the maximum number of milliseconds the request may take before being cancelled
  timeout_milliseconds int default 5000,
  -- optional body of the request
  body jsonb default null
)
returns bigint
language plpgsql
volatile
security definer
set search_path = ''
as $$
begin
  perform net._check_request(url, params, headers, timeout_milliseconds);
  return net._enqueue('DELETE', url, params, headers, body, timeout_milliseconds);
end
$$;

-- Who may use net. Hosted Supabase grants USAGE on the schema to the API roles; so does
-- this, so their failures below name the function or table they were refused.
-- Sending requests is for postgres (migrations, pg_cron jobs, security definer functions)
-- and service_role only: a request runs as supabase_admin and can carry secrets, so anon and
-- authenticated must not trigger one directly. Hosted pg_net (0.12+) is looser (EXECUTE and
-- SELECT for PUBLIC); code that works here under the stricter rule also works there.
-- Both tables are read-only for postgres and service_role; only the owner (the functions
-- above and the dispatcher, both supabase_admin) writes them.
grant usage on schema net to postgres, anon, authenticated, service_role;

revoke all on all tables in schema net from public, anon, authenticated;
revoke all on all sequences in schema net from public, anon, authenticated;
revoke all on net.http_request_queue, net._http_response from postgres, service_role;
grant select on net.http_request_queue, net._http_response to postgres, service_role;

revoke all on all functions in schema net from public, anon, authenticated;
grant execute on function
  net.http_get(text, jsonb, jsonb, int),
  net.http_post(text, jsonb, jsonb, jsonb, int),
  net.http_delete(text, jsonb, jsonb, int, jsonb),
  -- pure helpers, for tests and debugging
  net._urlencode_string(varchar),
  net._encode_url_with_params_array(text, text[]),
  net._url_with_params(text, jsonb)
  to postgres, service_role;
