-- job_category: the RPC's allowed list and job_queue's CHECK are the same set.
begin;
select plan(2);

create temp table table_list as
  select m[1] as category
    from pg_constraint c, regexp_matches(pg_get_constraintdef(c.oid), '''([a-z_]+)''', 'g') as m
   where c.conrelid = 'public.job_queue'::regclass and c.contype = 'c'
     and pg_get_constraintdef(c.oid) like '%job_category%';

create temp table rpc_list (category text);
do $$
declare
  v_message text;
begin
  perform public.enqueue_job_v3('report_generation', 'n', '{"k": 1}', 'zz_not_a_category');
exception when sqlstate '22023' then
  get stacked diagnostics v_message = message_text;
  insert into rpc_list
    select btrim(x) from unnest(string_to_array(substring(v_message from 'one of (.*), got '), ',')) as x;
end
$$;

select isnt((select count(*)::integer from table_list), 0, 'the CHECK lists categories');
select set_eq('select category from rpc_list', 'select category from table_list',
  'enqueue_job_v3 accepts exactly the categories job_queue accepts');

select * from finish();
rollback;
