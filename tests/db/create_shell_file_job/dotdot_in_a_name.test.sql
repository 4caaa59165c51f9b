-- Hardening (issue 5; create_shell_file_job in 20261122000950_pipeline): shell_files refuses "../" anywhere in storage_path (its CHECK), and
-- Storage accepts names ending in ".." ("a../b.pdf", ".../x.pdf"). create_shell_file_job refuses
-- them as a bad argument (22023, naming the parameter, not the path) instead of failing its
-- INSERT with 23514; nothing is written. A last segment ending in ".." breaks no rule.
begin;
select plan(6);

select tests.create_user_with_profile('csfj_dots_alice') as alice \gset
select tests.get_supabase_uid('csfj_dots_alice') as alice_uid \gset
create temp table before_counts as
  select (select count(*) from public.shell_files) as files, (select count(*) from public.job_queue) as jobs,
         (select count(*) from public.usage_events) as usage, (select count(*) from public.audit_log) as audit;
grant select on before_counts to service_role;

create function pg_temp.call(p_user text, p_path text, p_key text) returns text language sql as $$
  select format('select * from public.create_shell_file_job(%L, split_part(%L, ''/'', 1)::uuid, %L, null, ''application/pdf'', 100, 1, %L, 10)',
                p_user, p_path, p_path, p_key)
$$;
grant execute on function pg_temp.call(text, text, text) to service_role;

select tests.authenticate_as_service_role();
select throws_ok(pg_temp.call(:'alice_uid', :'alice' || '/a../b.pdf', 'csfj-dots-1'),
  '22023', 'create_shell_file_job: p_storage_path must not contain "../" (a name ending in "..")', 'a folder named "a.."');
select throws_ok(pg_temp.call(:'alice_uid', :'alice' || '/.../x.pdf', 'csfj-dots-2'),
  '22023', 'create_shell_file_job: p_storage_path must not contain "../" (a name ending in "..")', 'a folder named "..."');
select throws_ok(pg_temp.call(:'alice_uid', :'alice' || '/scan../2024/x.pdf', 'csfj-dots-3'),
  '22023', 'create_shell_file_job: p_storage_path must not contain "../" (a name ending in "..")', 'deeper down');
select is((select (count(*), (select count(*) from public.job_queue), (select count(*) from public.usage_events),
                   (select count(*) from public.audit_log))::text from public.shell_files),
          (select (files, jobs, usage, audit)::text from before_counts), 'the refusals wrote nothing');
select lives_ok(pg_temp.call(:'alice_uid', :'alice' || '/letter..', 'csfj-dots-4'), 'a file name ending in ".." is fine');
select lives_ok(pg_temp.call(:'alice_uid', :'alice' || '/a..b/c.pdf', 'csfj-dots-5'), '".." inside a name is fine');
select tests.clear_authentication();

select * from finish();
rollback;
