-- The fence: processing, same worker, heartbeat_at >= now() - lease. Never null.
begin;
select plan(10);

select ok(private.job_lease_held('processing', 'w1', now(), 'w1'), 'fresh beat, same worker: held');
select ok(private.job_lease_held('processing', 'w1', now() - interval '180 seconds', 'w1'), 'beat exactly one lease ago: held');
select ok(not private.job_lease_held('processing', 'w1', now() - interval '180.001 seconds', 'w1'), 'a millisecond later: expired');
select ok(not private.job_lease_held('processing', 'w1', now(), 'w2'), 'another worker: not held');
select ok(not private.job_lease_held('pending', 'w1', now(), 'w1'), 'not processing: not held');
select ok(not private.job_lease_held('completed', 'w1', now(), 'w1'), 'completed: not held');
select is(private.job_lease_held('processing', null, now(), 'w1'), false, 'no holder: false, not null');
select is(private.job_lease_held('processing', 'w1', null, 'w1'), false, 'no beat: false, not null');
select is(private.job_lease_held('processing', 'w1', now(), null), false, 'no caller: false, not null');
select ok(not has_function_privilege('service_role', 'private.job_lease_held(text, text, timestamptz, text)', 'execute')
          and not has_function_privilege('anon', 'private.job_lease_held(text, text, timestamptz, text)', 'execute')
          and not has_function_privilege('authenticated', 'private.job_lease_held(text, text, timestamptz, text)', 'execute'),
  'internal: no client role may execute it');

select * from finish();
rollback;
