-- config_bool(key, default): the stored boolean; the default when the key is missing or
-- stored as another type. Flags use config_type 'feature' (the v5 plan's 'boolean' is
-- not an allowed config_type).
begin;
select plan(11);

select is(private.config_bool('features.usage_tracking', false), true, 'a seeded flag (on)');
select is(private.config_bool('features.usage_limits_enforced', true), false, 'a seeded flag (off)');
select is(private.config_bool('no.such_flag', true), true, 'missing key: the default (true)');
select is(private.config_bool('no.such_flag', false), false, 'missing key: the default (false)');
select is(private.config_bool('worker.timeout_seconds', true), true, 'an integer row read as boolean: the default');

insert into public.system_configuration (config_key, config_value, value_type, config_type, description)
values ('test.flag_text', '"false"', 'text', 'feature', 't');
select is(private.config_bool('test.flag_text', true), true, 'a text row saying "false": the default, not false');

update public.system_configuration set config_value = 'false' where config_key = 'features.usage_tracking';
select is(private.config_bool('features.usage_tracking', true), false, 'an operator''s change is read');

select throws_ok($$update public.system_configuration set config_value = '1' where config_key = 'features.usage_tracking'$$,
  '23514', null, 'a boolean row cannot hold a number');
select throws_ok($$insert into public.system_configuration (config_key, config_value, value_type, config_type, description)
                   values ('features.bad_flag', 'true', 'boolean', 'boolean', 't')$$,
  '23514', null, 'config_type ''boolean'' (the v5 plan''s defect) is refused');
select is((select config_type from public.system_configuration where config_key = 'features.usage_limits_enforced'), 'feature',
  'the flags are stored as config_type feature');

select ok(not has_function_privilege('anon', 'private.config_bool(text, boolean)', 'execute')
          and not has_function_privilege('authenticated', 'private.config_bool(text, boolean)', 'execute'),
  'internal: no client may execute it');

select * from finish();
rollback;
