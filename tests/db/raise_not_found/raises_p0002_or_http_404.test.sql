-- private.raise_not_found(message): SQLSTATE P0002 with the message; inside a PostgREST
-- request (request.method set, as PostgREST sets it for every request) SQLSTATE PGRST with
-- the body {"code": "P0002", "message": ...} and HTTP status 404 in the detail, because
-- PostgREST answers a plain P0002 with 500. Internal: no API role may call it.
begin;
select plan(9);

-- Runs a statement and returns how it failed: {sqlstate, message, detail}.
create function pg_temp.failure(p_sql text) returns jsonb language plpgsql as $$
declare
  v_state text;
  v_message text;
  v_detail text;
begin
  execute p_sql;
  return null;
exception when others then
  get stacked diagnostics v_state = returned_sqlstate, v_message = message_text, v_detail = pg_exception_detail;
  return jsonb_build_object('sqlstate', v_state, 'message', v_message, 'detail', v_detail);
end
$$;

select throws_ok($$select private.raise_not_found('some_rpc: thing not found')$$, 'P0002', 'some_rpc: thing not found',
  'outside PostgREST: P0002 with the message');
select set_config('request.method', '', true);
select throws_ok($$select private.raise_not_found('some_rpc: thing not found')$$, 'P0002', 'some_rpc: thing not found',
  'an empty request.method is not a PostgREST request');

select set_config('request.method', 'POST', true);
select is(pg_temp.failure($$select private.raise_not_found('some_rpc: thing not found')$$) ->> 'sqlstate', 'PGRST',
  'inside a PostgREST request: SQLSTATE PGRST');
select is((pg_temp.failure($$select private.raise_not_found('some_rpc: thing not found')$$) ->> 'message')::jsonb,
  '{"code": "P0002", "message": "some_rpc: thing not found", "details": null, "hint": null}'::jsonb,
  'the body: code P0002 and the message');
select is((pg_temp.failure($$select private.raise_not_found('some_rpc: thing not found')$$) ->> 'detail')::jsonb,
  '{"status": 404, "headers": {}}'::jsonb, 'the status: 404');
select is((pg_temp.failure($$select private.raise_not_found('say "hi" \ there')$$) ->> 'message')::jsonb ->> 'message',
  'say "hi" \ there', 'quotes and backslashes survive as JSON');
select set_config('request.method', 'GET', true);
select is(pg_temp.failure($$select private.raise_not_found('x')$$) ->> 'sqlstate', 'PGRST', 'GET requests too');
select set_config('request.method', '', true);

select is((select string_agg(r, ',' order by r) from unnest(array['anon', 'authenticated', 'service_role']) r
            where has_function_privilege(r, 'private.raise_not_found(text)', 'execute')), null,
  'no API role may execute it');
select is((select proconfig from pg_proc where oid = 'private.raise_not_found(text)'::regprocedure), array['search_path=pg_catalog, pg_temp'],
  'search_path pinned to pg_catalog, pg_temp');

select * from finish();
rollback;
