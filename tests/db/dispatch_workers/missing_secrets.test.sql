-- Without the Vault secrets the tick fails with an error that names the missing secret and
-- how to create it (55000), and sends nothing.
begin;
select plan(4);

delete from public.job_queue where status = 'pending';
insert into public.job_queue (job_type, job_lane, job_name, job_payload, status) values ('shell_file_processing', 'standard', 'x', '{"k": 1}', 'pending');
create temp table queue_before as select count(*) as n from net.http_request_queue;

delete from vault.secrets where name in ('project_url', 'service_role_key');
select vault.create_secret('test-service-key', 'service_role_key');
select throws_ok('select private.dispatch_workers()', '55000',
  'dispatch_workers: Vault secret "project_url" is missing; create it with select vault.create_secret(''https://<project-ref>.supabase.co'', ''project_url'')',
  'no project_url');

delete from vault.secrets where name = 'service_role_key';
select vault.create_secret('http://dispatch.test', 'project_url');
select throws_ok('select private.dispatch_workers()', '55000',
  'dispatch_workers: Vault secret "service_role_key" is missing; create it with select vault.create_secret(''<service role key>'', ''service_role_key'')',
  'no service_role_key');

select vault.create_secret(' ', 'service_role_key');
select throws_ok('select private.dispatch_workers()', '55000',
  'dispatch_workers: Vault secret "service_role_key" is missing; create it with select vault.create_secret(''<service role key>'', ''service_role_key'')',
  'a blank secret counts as missing');
select is((select count(*) from net.http_request_queue), (select n from queue_before), 'no request was queued');

select * from finish();
rollback;
