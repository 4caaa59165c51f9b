-- Who may use net: postgres and service_role send requests and read both tables; anon,
-- authenticated and any other role (PUBLIC) do neither. Nobody but the owner writes the
-- tables; the functions can because they are security definer.
begin;
select plan(31);

-- anon and authenticated: refused, with PostgreSQL's own wording.
set local role anon;
select throws_ok($$select net.http_post('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_post', 'anon cannot call http_post');
select throws_ok($$select net.http_get('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_get', 'anon cannot call http_get');
select throws_ok($$select net.http_delete('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_delete', 'anon cannot call http_delete');
select throws_ok($$select * from net._http_response$$, '42501', 'permission denied for table _http_response', 'anon cannot read responses');
select throws_ok($$select * from net.http_request_queue$$, '42501', 'permission denied for table http_request_queue', 'anon cannot read the queue');
reset role;

set local role authenticated;
select throws_ok($$select net.http_post('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_post', 'authenticated cannot call http_post');
select throws_ok($$select net.http_get('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_get', 'authenticated cannot call http_get');
select throws_ok($$select net.http_delete('http://127.0.0.1:9/x')$$, '42501', 'permission denied for function http_delete', 'authenticated cannot call http_delete');
select throws_ok($$select * from net._http_response$$, '42501', 'permission denied for table _http_response', 'authenticated cannot read responses');
select throws_ok($$select * from net.http_request_queue$$, '42501', 'permission denied for table http_request_queue', 'authenticated cannot read the queue');
reset role;

-- PUBLIC: nothing in net, not even the helpers (a null ACL means PostgreSQL's default,
-- which gives PUBLIC EXECUTE on functions).
select is_empty(
  $$select p.oid::regprocedure from pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
    where p.pronamespace = 'net'::regnamespace and a.grantee = 0$$,
  'PUBLIC can execute no function in net'
);
select is_empty(
  $$select c.relname from pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
    where c.relnamespace = 'net'::regnamespace and a.grantee = 0$$,
  'PUBLIC has no privilege on any table or sequence in net'
);

-- service_role: sends and reads, but writes the tables only through the functions.
set local role service_role;
select lives_ok($$select net.http_post('http://127.0.0.1:9/service-role')$$, 'service_role can call http_post');
select lives_ok($$select net.http_get('http://127.0.0.1:9/service-role')$$, 'service_role can call http_get');
select lives_ok($$select net.http_delete('http://127.0.0.1:9/service-role')$$, 'service_role can call http_delete');
select is(
  (select count(*) from net.http_request_queue where url = 'http://127.0.0.1:9/service-role'),
  3::bigint,
  'service_role reads the queue, its three requests in it'
);
select lives_ok($$select * from net._http_response limit 1$$, 'service_role can read responses');
select throws_ok($$insert into net.http_request_queue (method, url, headers, timeout_milliseconds) values ('GET', 'http://127.0.0.1:9/x', '{}', 1)$$,
  '42501', 'permission denied for table http_request_queue', 'service_role cannot insert into the queue directly');
select throws_ok($$insert into net._http_response (id) values (1)$$,
  '42501', 'permission denied for table _http_response', 'service_role cannot write responses');
reset role;

-- postgres (this session): the same.
select lives_ok($$select net.http_post('http://127.0.0.1:9/postgres')$$, 'postgres can call http_post');
select lives_ok($$select net.http_get('http://127.0.0.1:9/postgres')$$, 'postgres can call http_get');
select lives_ok($$select net.http_delete('http://127.0.0.1:9/postgres')$$, 'postgres can call http_delete');
select is(
  (select count(*) from net.http_request_queue where url = 'http://127.0.0.1:9/postgres'),
  3::bigint,
  'postgres reads the queue, its three requests in it'
);
select lives_ok($$select * from net._http_response limit 1$$, 'postgres can read responses');
select throws_ok($$insert into net.http_request_queue (method, url, headers, timeout_milliseconds) values ('GET', 'http://127.0.0.1:9/x', '{}', 1)$$,
  '42501', 'permission denied for table http_request_queue', 'postgres cannot insert into the queue directly');
select throws_ok($$delete from net.http_request_queue$$,
  '42501', 'permission denied for table http_request_queue', 'postgres cannot delete queued requests');
select throws_ok($$insert into net._http_response (id) values (1)$$,
  '42501', 'permission denied for table _http_response', 'postgres cannot write responses');
select throws_ok($$update net._http_response set status_code = 200$$,
  '42501', 'permission denied for table _http_response', 'postgres cannot change responses');
select throws_ok($$delete from net._http_response$$,
  '42501', 'permission denied for table _http_response', 'postgres cannot delete responses');

-- The functions write as their owner: callers need no privilege on the tables.
select ok(
  not has_table_privilege('service_role', 'net.http_request_queue', 'insert')
    and not has_table_privilege('postgres', 'net.http_request_queue', 'insert'),
  'callers have no INSERT on the queue'
);
select ok(
  (select bool_and(prosecdef) from pg_proc where pronamespace = 'net'::regnamespace
     and proname in ('http_get', 'http_post', 'http_delete')),
  'so the functions are security definer'
);

select * from finish();
rollback;
