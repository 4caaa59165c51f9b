-- Idempotency: the same key again gives the same ids, created = false, and writes nothing
-- (no shell file, job, usage event or audit event). The same key for another path or
-- profile, or the same path under another key, is refused with 22023 and writes nothing.
begin;
select plan(14);

select tests.create_user_with_profile('csfj_idem_alice') as alice \gset
select tests.create_user_with_profile('csfj_idem_alice', 'child') as child \gset
select tests.get_supabase_uid('csfj_idem_alice') as alice_uid \gset

create temp table answers (n integer, shell_file_id uuid, job_id uuid, status text, created boolean);
create temp table counts (n integer, shell_files bigint, jobs bigint, usage bigint, audit bigint);
create function pg_temp.snap(p_n integer) returns void language sql as $$
  insert into counts select p_n, (select count(*) from public.shell_files), (select count(*) from public.job_queue),
                               (select count(*) from public.usage_events), (select count(*) from public.audit_log)
$$;
grant insert on answers, counts to service_role;
grant execute on function pg_temp.snap(integer) to service_role;

select tests.authenticate_as_service_role();
insert into answers select 1, * from public.create_shell_file_job(:'alice_uid', :'alice', :'alice' || '/a.pdf', 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-1', 10);
select pg_temp.snap(1);
insert into answers select 2, * from public.create_shell_file_job(:'alice_uid', :'alice', :'alice' || '/a.pdf', 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-1', 10);
select pg_temp.snap(2);
select tests.clear_authentication();

select ok((select created from answers where n = 1), 'the first call creates');
select ok((select not created from answers where n = 2), 'the second call answers created = false');
select is((select (shell_file_id, job_id, status) from answers where n = 2)::text,
          (select (shell_file_id, job_id, status) from answers where n = 1)::text, 'with the same ids and status');
select is((select (shell_files, jobs, usage, audit) from counts where n = 2)::text,
          (select (shell_files, jobs, usage, audit) from counts where n = 1)::text,
  'and nothing new: shell_files, job_queue, usage_events and audit_log counts unchanged');

-- A replay later answers the file's current status.
update public.shell_files set status = 'processing' where idempotency_key = 'csfj-idem-key-1';
select tests.authenticate_as_service_role();
insert into answers select 3, * from public.create_shell_file_job(:'alice_uid', :'alice', :'alice' || '/a.pdf', 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-1', 10);
select tests.clear_authentication();
select is((select status from answers where n = 3), 'processing', 'a later replay reports the current status');
select is((select job_id from answers where n = 3), (select job_id from answers where n = 1), 'and the same job');

-- The same key for a different upload.
select tests.authenticate_as_service_role();
select throws_ok(format($$select public.create_shell_file_job(%L, %L, %L, 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-1', 10)$$,
    :'alice_uid', :'alice', :'alice' || '/other.pdf'),
  '22023', 'create_shell_file_job: idempotency_key was already used for a different upload', 'same key, another path');
select throws_ok(format($$select public.create_shell_file_job(%L, %L, %L, 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-1', 10)$$,
    :'alice_uid', :'child', :'child' || '/a.pdf'),
  '22023', 'create_shell_file_job: idempotency_key was already used for a different upload', 'same key, another profile of the same user');
-- The same path under another key.
select throws_ok(format($$select public.create_shell_file_job(%L, %L, %L, 'a.pdf', 'application/pdf', 100, 1, 'csfj-idem-key-2', 10)$$,
    :'alice_uid', :'alice', :'alice' || '/a.pdf'),
  '22023', 'create_shell_file_job: p_storage_path was already submitted with another idempotency_key', 'same path, another key');
select tests.clear_authentication();
select pg_temp.snap(3);
select is((select (shell_files, jobs, usage, audit) from counts where n = 3)::text,
          (select (shell_files, jobs, usage, audit) from counts where n = 1)::text, 'the refusals wrote nothing');
select is((select count(*)::integer from public.shell_files where idempotency_key = 'csfj-idem-key-1'), 1, 'one shell file for the key');
select is((select count(*)::integer from public.job_queue j join public.shell_files f on f.id = j.shell_file_id
            where f.idempotency_key = 'csfj-idem-key-1'), 1, 'one job for it');
select is((select count(*)::integer from public.usage_events u join public.shell_files f on f.id = u.shell_file_id
            where f.idempotency_key = 'csfj-idem-key-1'), 1, 'one usage event for it');
select is((select count(*)::integer from public.audit_log a join public.shell_files f on a.record_id = f.id::text
            where f.idempotency_key = 'csfj-idem-key-1' and a.table_name = 'shell_files'), 1, 'one shell_files audit event for it');

select * from finish();
rollback;
