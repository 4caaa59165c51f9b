-- pg_cron runs the sweeper every minute.
begin;
select plan(2);

select is((select schedule from cron.job where jobname = 'reclaim-expired-jobs'), '* * * * *', 'scheduled every minute');
select is((select command from cron.job where jobname = 'reclaim-expired-jobs'), 'select public.reclaim_expired_jobs()',
  'running reclaim_expired_jobs()');

select * from finish();
rollback;
