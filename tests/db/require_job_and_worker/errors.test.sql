-- The shared argument guard of the worker RPCs.
begin;
select plan(5);

select lives_ok($$select private.require_job_and_worker('f', '00000000-0000-4000-8000-000000000901', 'w1')$$, 'good arguments pass');
select throws_ok($$select private.require_job_and_worker('some_rpc', null, 'w1')$$, '22023',
  'some_rpc: p_job_id must not be null', 'null job id, named after the caller');
select throws_ok($$select private.require_job_and_worker('some_rpc', '00000000-0000-4000-8000-000000000901', '  ')$$, '22023',
  'some_rpc: p_worker_id must not be empty', 'blank worker id');
select throws_ok($$select private.require_job_and_worker('some_rpc', '00000000-0000-4000-8000-000000000901', null)$$, '22023',
  'some_rpc: p_worker_id must not be empty', 'null worker id');
select ok(not has_function_privilege('service_role', 'private.require_job_and_worker(text, uuid, text)', 'execute')
          and not has_function_privilege('anon', 'private.require_job_and_worker(text, uuid, text)', 'execute')
          and not has_function_privilege('authenticated', 'private.require_job_and_worker(text, uuid, text)', 'execute'),
  'internal: no client role may execute it');

select * from finish();
rollback;
