-- Through PostgREST (request.method set), "shell file not found" is raised as PGRST carrying
-- HTTP 404 and code P0002 (a plain P0002 is a 500 there): for a made-up id and for another
-- user's file alike, with the same message. Outside PostgREST it stays P0002 (errors.test.sql).
begin;
select plan(4);

select tests.create_user_with_profile('gps_rest_alice') as alice \gset
select tests.create_user_with_profile('gps_rest_bob') as bob \gset
select shell_file_id as bob_file from tests.create_processing_job(:'bob', 'w1') \gset

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
grant execute on function pg_temp.failure(text) to authenticated;
create temp table got (what text, failure jsonb);
grant insert on got to authenticated;

select tests.authenticate_as('gps_rest_alice');
select set_config('request.method', 'POST', true);
insert into got values
  ('bob', pg_temp.failure(format('select public.get_processing_status(%L)', :'bob_file'))),
  ('made-up', pg_temp.failure($$select public.get_processing_status('00000000-0000-4000-8000-0000000a0fff')$$));
select set_config('request.method', '', true);
select tests.clear_authentication();

select is((select failure ->> 'sqlstate' from got where what = 'bob'), 'PGRST', 'bob''s file: raised for PostgREST');
select is((select (failure ->> 'message')::jsonb from got where what = 'bob'),
  '{"code": "P0002", "message": "get_processing_status: shell file not found", "details": null, "hint": null}'::jsonb,
  'code P0002, the same message');
select is((select (failure ->> 'detail')::jsonb ->> 'status' from got where what = 'bob'), '404', 'HTTP 404');
select is((select failure from got where what = 'made-up'), (select failure from got where what = 'bob'),
  'a made-up id fails exactly alike: existence is not revealed');

select * from finish();
rollback;
