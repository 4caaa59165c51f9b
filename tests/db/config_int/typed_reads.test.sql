-- config_int(key, default): the stored integer; the default when the key is missing or
-- stored as another type. The table's check keeps values true to their declared type.
begin;
select plan(12);

select is(private.config_int('worker.timeout_seconds', 1), 180, 'a seeded integer');
select is(private.config_int('no.such_key', 42), 42, 'missing key: the default');
select is(private.config_int('no.such_key', null), null, 'missing key, null default: null');
select is(private.config_int('features.usage_tracking', 7), 7, 'a boolean row read as integer: the default');

insert into public.system_configuration (config_key, config_value, value_type, config_type, description)
values ('test.negative', '-5', 'integer', 'system', 't'),
       ('test.as_number', '2.5', 'number', 'system', 't'),
       ('test.as_text', '"12"', 'text', 'system', 't');
select is(private.config_int('test.negative', 0), -5, 'negative integers');
select is(private.config_int('test.as_number', 9), 9, 'a number row: the default (never truncated)');
select is(private.config_int('test.as_text', 9), 9, 'a text row holding digits: the default');

update public.system_configuration set config_value = '240' where config_key = 'worker.timeout_seconds';
select is(private.config_int('worker.timeout_seconds', 1), 240, 'an operator''s change is read');

-- The check constraint keeps a row true to its value_type.
select throws_ok($$update public.system_configuration set config_value = '2.5' where config_key = 'worker.timeout_seconds'$$,
  '23514', null, 'an integer row cannot hold a fraction');
select throws_ok($$update public.system_configuration set config_value = '"180"' where config_key = 'worker.timeout_seconds'$$,
  '23514', null, 'nor a string');
select throws_ok($$insert into public.system_configuration (config_key, config_value, value_type, config_type, description)
                   values ('test.bad', 'true', 'integer', 'system', 't')$$,
  '23514', null, 'nor a boolean');

select ok(not has_function_privilege('anon', 'private.config_int(text, integer)', 'execute')
          and not has_function_privilege('authenticated', 'private.config_int(text, integer)', 'execute'),
  'internal: no client may execute it');

select * from finish();
rollback;
