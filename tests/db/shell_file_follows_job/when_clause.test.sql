-- The trigger's WHEN clause selects exactly the three transitions, as the RPCs write them
-- (0600): the sweeper's dead letter (lease_expired_max_retries), cancel_job, and
-- retry_dead_letter. The function re-checks the same predicates, so a WHEN that is too broad
-- would change no row: to see the WHEN itself, this file swaps the function's body for a
-- probe that records each call (rolled back with the test), then drives every job transition.
begin;
select plan(4);

create temp table trigger_calls (n serial, job_id uuid, old_status text, new_status text);
create or replace function private.shell_file_follows_job()
returns trigger
language plpgsql
volatile
security definer
set search_path = pg_catalog, pg_temp
as $$
begin
  insert into pg_temp.trigger_calls (job_id, old_status, new_status) values (new.id, old.status, new.status);
  return null;
end
$$;

delete from public.job_queue;
select tests.create_user_with_profile('sfj_when_alice') as alice \gset

-- A shell file's job through every transition the trigger must NOT see.
select job_id as j1, shell_file_id as f1 from tests.create_processing_job(:'alice', 'w1', '{"page_count": 1}') \gset
update public.job_queue set priority = 10, retry_count = 0, max_retries = 3 where id = :'j1';
select public.update_job_heartbeat(:'j1', 'w1');
select public.checkpoint_job(:'j1', 'w1', '{"text_done": 1}');
select public.release_job(:'j1', 'w1');
select public.claim_next_job_v3('w2', array['shell_file_processing']);
select public.reschedule_job(:'j1', 'w2', 0, 'no capacity', false);
select public.claim_next_job_v3('w3', array['shell_file_processing']);
select public.fail_job(:'j1', 'w3', '{"code": "timeout"}', true);
update public.job_queue set scheduled_at = now() where id = :'j1';
select public.claim_next_job_v3('w4', array['shell_file_processing']);
update public.job_queue set heartbeat_at = now() - interval '1 hour' where id = :'j1';
select public.reclaim_expired_jobs();
update public.job_queue set scheduled_at = now() where id = :'j1';
select public.claim_next_job_v3('w5', array['shell_file_processing']);
select public.complete_job(:'j1', 'w5');
-- fail_job's own dead letters (not_retryable; max_retries_exhausted), via fail_shell_file_job and directly.
select job_id as j2 from tests.create_processing_job(:'alice', 'w6') \gset
select public.fail_shell_file_job(:'j2', 'w6', '{"code": "corrupt_document"}', false);
select job_id as j3 from tests.create_processing_job(:'alice', 'w7') \gset
update public.job_queue set retry_count = max_retries where id = :'j3';
select public.fail_job(:'j3', 'w7', '{"code": "timeout"}', true);
select results_eq(
  format($$select id, status, error_details ->> 'dead_letter_reason' from public.job_queue where id in (%L, %L, %L) order by status, 3$$,
         :'j1', :'j2', :'j3'),
  format($$values (%L::uuid, 'completed'::text, null::text), (%L::uuid, 'failed'::text, 'max_retries_exhausted'::text),
                  (%L::uuid, 'failed'::text, 'not_retryable'::text)$$, :'j1', :'j3', :'j2'),
  'the transitions happened: the first job went all the way to completed, the others to fail_job''s dead letters');
select is_empty('select * from pg_temp.trigger_calls',
  'not called for heartbeat, checkpoint, release, claim, reschedule, retrying failure, reclaim, completion, fail_job''s dead letters');

-- The three it must see, each once, and a job without a shell file through all three.
select job_id as j4 from tests.create_processing_job(:'alice', 'w8') \gset
update public.job_queue set retry_count = max_retries, heartbeat_at = now() - interval '1 hour' where id = :'j4';
insert into public.job_queue (id, job_type, job_lane, job_name, job_payload, status, worker_id, heartbeat_at, retry_count, max_retries, patient_id) values
  ('00000000-0000-4000-8000-00000000e001', 'report_generation', 'standard', 'no file', '{"k": 1}', 'processing', 'w-x', now() - interval '1 hour', 3, 3, :'alice');
select public.reclaim_expired_jobs();                                   -- j4: processing -> failed (sweeper)
select public.retry_dead_letter(:'j4', 'x');                            -- j4: failed -> pending
select public.retry_dead_letter(:'j2', 'x');                            -- j2: failed -> pending (fail_shell_file_job's dead letter)
select public.cancel_job(:'j4', 'x');                                   -- j4: pending -> cancelled
select public.retry_dead_letter('00000000-0000-4000-8000-00000000e001', 'x');
select public.cancel_job('00000000-0000-4000-8000-00000000e001', 'x');
update public.job_queue set error_details = error_details || '{"note": "x"}' where id = :'j4';  -- no status change
update public.job_queue set status = 'cancelled' where id = :'j4';                               -- cancelled -> cancelled

select results_eq('select job_id, old_status, new_status from pg_temp.trigger_calls order by n',
  format($$values (%1$L::uuid, 'processing'::text, 'failed'::text),
                  (%1$L::uuid, 'failed'::text, 'pending'::text),
                  (%2$L::uuid, 'failed'::text, 'pending'::text),
                  (%1$L::uuid, 'pending'::text, 'cancelled'::text)$$, :'j4', :'j2'),
  'called once for each: the sweeper''s dead letter, each retry_dead_letter, the cancel; never for a job without a shell file or without a status change');

-- The probe really replaced the function (so the above is the WHEN clause's doing).
select is((select prosrc like '%trigger_calls%' from pg_proc where oid = 'private.shell_file_follows_job()'::regprocedure), true,
  'the probe was in place');

select * from finish();
rollback;
