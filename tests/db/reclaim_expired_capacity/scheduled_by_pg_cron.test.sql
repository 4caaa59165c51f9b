-- pg_cron runs the sweeper every minute, under one job name; scheduling it again
-- (a migration re-run) updates that job instead of adding another.
begin;
select plan(4);

select is((select count(*)::integer from cron.job where jobname = 'reclaim-expired-capacity'), 1,
  'one pg_cron job reclaim-expired-capacity');
select is((select (schedule, command) from cron.job where jobname = 'reclaim-expired-capacity'),
  ('* * * * *'::text, 'select public.reclaim_expired_capacity()'::text), 'every minute, calling the sweeper');

create temp table job_before as select jobid from cron.job where jobname = 'reclaim-expired-capacity';
select cron.schedule('reclaim-expired-capacity', '* * * * *', 'select public.reclaim_expired_capacity()');
select is((select count(*)::integer from cron.job where jobname = 'reclaim-expired-capacity'), 1,
  'scheduling again keeps one job');
select is((select jobid from cron.job where jobname = 'reclaim-expired-capacity'), (select jobid from job_before),
  'with the same job id');

select * from finish();
rollback;
