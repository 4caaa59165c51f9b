-- patient_id and shell_file_id: stored, checked, and a shell file names its patient.
begin;
select plan(8);

select tests.create_user_with_profile('enqueue_corr_a') as profile_a \gset
select tests.create_user_with_profile('enqueue_corr_b') as profile_b \gset
insert into public.shell_files (id, patient_id, storage_path, original_filename, mime_type, file_size_bytes)
values ('00000000-0000-4000-8000-00000000f001', :'profile_a', :'profile_a' || '/scan.pdf', 'scan.pdf', 'application/pdf', 1234);

select count(*) as jobs_before from public.job_queue \gset
select count(*) as audit_before from public.audit_log \gset

create temp table j1 as
  select * from public.enqueue_job_v3('ai_processing', 'pass', '{"k": 1}', patient_id => :'profile_a');
select is(q.patient_id, :'profile_a'::uuid, 'patient_id stored') from public.job_queue q, j1 where q.id = j1.job_id;
select is(a.patient_id, :'profile_a'::uuid, 'and on the audit event') from public.audit_log a, j1 where a.job_id = j1.job_id;

create temp table j2 as
  select * from public.enqueue_job_v3('shell_file_processing', 'doc', '{"k": 1}',
    shell_file_id => '00000000-0000-4000-8000-00000000f001');
select ok(q.shell_file_id = '00000000-0000-4000-8000-00000000f001' and q.patient_id = :'profile_a'::uuid,
  'a shell file without patient_id: the file''s patient is taken') from public.job_queue q, j2 where q.id = j2.job_id;

select throws_ok(format($$select public.enqueue_job_v3('shell_file_processing', 'doc', '{"k": 1}',
    patient_id => %L, shell_file_id => '00000000-0000-4000-8000-00000000f001')$$, :'profile_b'),
  '22023', 'enqueue_job_v3: patient_id does not match the shell file''s patient', 'another patient''s file is refused');
select throws_ok($$select public.enqueue_job_v3('shell_file_processing', 'doc', '{"k": 1}',
    shell_file_id => '00000000-0000-4000-8000-00000000f0ff')$$,
  'P0002', 'enqueue_job_v3: shell_file_id does not match a shell file', 'unknown shell file');
select throws_ok($$select public.enqueue_job_v3('ai_processing', 'pass', '{"k": 1}',
    patient_id => '00000000-0000-4000-8000-00000000e0ff')$$,
  'P0002', 'enqueue_job_v3: patient_id does not match a profile', 'unknown patient');

select is((select count(*) from public.job_queue), (:jobs_before + 2)::bigint, 'only the two valid jobs were written');
select is((select count(*) from public.audit_log), (:audit_before + 2)::bigint, 'and only they were audited');

select * from finish();
rollback;
