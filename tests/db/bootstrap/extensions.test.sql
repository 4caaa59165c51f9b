-- The extensions and schemas the project builds on.
begin;
select plan(7);

select has_extension('pg_cron');
select has_extension('pgtap');
select has_extension('pgcrypto');
select has_schema('auth');
select has_schema('extensions');
select has_table('auth', 'users', 'auth.users exists');
select ok(has_schema_privilege('postgres', 'cron', 'usage'), 'postgres may schedule cron jobs');

select * from finish();
rollback;
