-- The shell file shows 'processing' while its job's holder records steps: from uploaded,
-- queued, or failed (an operator retried the dead letter: the old error is cleared);
-- processing_started_at is set once. A completed or cancelled file is left alone.
begin;
select plan(5);

select tests.create_user_with_profile('rjs_mark_alice') as alice \gset
select job_id as j_queued, shell_file_id as f_queued from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as j_failed, shell_file_id as f_failed from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as j_started, shell_file_id as f_started from tests.create_processing_job(:'alice', 'w1') \gset
select job_id as j_done, shell_file_id as f_done from tests.create_processing_job(:'alice', 'w1') \gset
update public.shell_files set status = 'failed', processing_error = '{"code": "x", "message": "y"}',
  processing_started_at = now() - interval '1 day' where id = :'f_failed';
update public.shell_files set status = 'processing', processing_started_at = now() - interval '1 hour',
  updated_at = now() - interval '1 hour' where id = :'f_started';
update public.shell_files set status = 'completed' where id = :'f_done';

select private.record_job_step('f', j, 'w1', '{}') from unnest(array[:'j_queued', :'j_failed', :'j_started', :'j_done']::uuid[]) j;

select results_eq(format($$select status, processing_started_at, processing_error from public.shell_files where id = %L$$, :'f_queued'),
  $$values ('processing'::text, now(), null::jsonb)$$, 'queued -> processing, started now');
select results_eq(format($$select status, processing_started_at, processing_error from public.shell_files where id = %L$$, :'f_failed'),
  $$values ('processing'::text, now() - interval '1 day', null::jsonb)$$, 'failed -> processing, error cleared, first start kept');
select results_eq(format($$select status, processing_started_at from public.shell_files where id = %L$$, :'f_started'),
  $$values ('processing'::text, now() - interval '1 hour')$$, 'already processing: start time kept');
select is((select status from public.shell_files where id = :'f_done'), 'completed', 'completed stays completed');
select is((select updated_at from public.shell_files where id = :'f_started'), now() - interval '1 hour',
  'an already processing file is not rewritten (updated_at kept)');

select * from finish();
rollback;
