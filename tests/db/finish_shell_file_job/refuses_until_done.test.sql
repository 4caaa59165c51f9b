-- Finish refuses (55000, nothing written) until the progress shows every page through
-- text, pass 1 and pass 2, and the narrative.
begin;
select plan(8);

select tests.create_user_with_profile('fsfj_early_alice') as alice \gset
select job_id as j_fresh from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as j_text from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 2, "pass1_done": 0, "pass2_done": 0, "narrative_done": false}') \gset
select job_id as j_pass1 from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 2, "pass2_done": 0, "narrative_done": false}') \gset
select job_id as j_pass2 from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 3, "pass2_done": 2, "narrative_done": false}') \gset
select job_id as j_narr from tests.create_processing_job(:'alice', 'w1',
  '{"page_count": 3, "ocr_pages": [], "text_done": 3, "pass1_done": 3, "pass2_done": 3, "narrative_done": false}') \gset
create temp table jobs_before as select * from public.job_queue;
create temp table files_before as select * from public.shell_files;
create temp table counts_before as select (select count(*) from public.audit_log) as audit, (select count(*) from public.usage_events) as usage;
grant select on jobs_before, files_before, counts_before to service_role;

select tests.authenticate_as_service_role();
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'j_fresh'), '55000',
  'finish_shell_file_job: the document is not fully processed (pages not inspected, text 0, pass 1 0, pass 2 0, narrative false)', 'not inspected');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'j_text'), '55000',
  'finish_shell_file_job: the document is not fully processed (pages 3, text 2, pass 1 0, pass 2 0, narrative false)', 'text not done');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'j_pass1'), '55000',
  'finish_shell_file_job: the document is not fully processed (pages 3, text 3, pass 1 2, pass 2 0, narrative false)', 'pass 1 not done');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'j_pass2'), '55000',
  'finish_shell_file_job: the document is not fully processed (pages 3, text 3, pass 1 3, pass 2 2, narrative false)', 'pass 2 not done');
select throws_ok(format($$select public.finish_shell_file_job(%L, 'w1')$$, :'j_narr'), '55000',
  'finish_shell_file_job: the document is not fully processed (pages 3, text 3, pass 1 3, pass 2 3, narrative false)', 'no narrative yet');
select tests.clear_authentication();

select ok(not exists (select * from public.job_queue except select * from jobs_before), 'no job changed (still processing, no finished flag, no beat)');
select ok(not exists (select * from public.shell_files except select * from files_before), 'no shell file changed');
select ok((select count(*) from public.audit_log) = (select audit from counts_before)
          and (select count(*) from public.usage_events) = (select usage from counts_before), 'no audit, no usage');

select * from finish();
rollback;
