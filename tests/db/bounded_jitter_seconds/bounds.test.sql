-- Jitter in [0, min(delay / 2, 30 s)], random.
begin;
select plan(6);

create temp table samples as
  select d, private.bounded_jitter_seconds(d) as j from (values (10), (100)) v (d), generate_series(1, 200);

select ok((select bool_and(j between 0 and 5) from samples where d = 10), 'delay 10: within [0, 5]');
select ok((select bool_and(j between 0 and 30) from samples where d = 100), 'delay 100: within [0, 30]');
select ok((select count(distinct j) > 1 from samples where d = 100), 'random, not constant');
select is(private.bounded_jitter_seconds(0), 0::numeric, 'delay 0: no jitter');
select ok(private.bounded_jitter_seconds(-5) = 0 and private.bounded_jitter_seconds(null) = 0, 'negative or null delay: no jitter');
select ok(not has_function_privilege('service_role', 'private.bounded_jitter_seconds(numeric)', 'execute')
          and not has_function_privilege('anon', 'private.bounded_jitter_seconds(numeric)', 'execute')
          and not has_function_privilege('authenticated', 'private.bounded_jitter_seconds(numeric)', 'execute'),
  'internal: no client role may execute it');

select * from finish();
rollback;
