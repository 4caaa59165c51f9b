-- Bad batches: 22023 naming the event (0-based) and the key; all or nothing, so a bad event
-- anywhere writes none of the batch.
begin;
select plan(17);

create temp table audit_before as select count(*) as n from public.audit_log;
create function pg_temp.call(p_events text) returns text language sql as $$
  select format('select public.log_audit_events(null, %L)', p_events)
$$;
grant execute on function pg_temp.call(text) to service_role;
grant select on audit_before to service_role;

select tests.authenticate_as_service_role();
select throws_ok(pg_temp.call('[]'), '22023', 'log_audit_events: p_events must be a JSON array of 1 to 100 events', 'empty batch');
select throws_ok($$select public.log_audit_events(null, null)$$, '22023', 'log_audit_events: p_events must be a JSON array of 1 to 100 events', 'null batch');
select throws_ok(pg_temp.call('{"table_name": "t"}'), '22023', 'log_audit_events: p_events must be a JSON array of 1 to 100 events', 'an object, not an array');
select throws_ok(format('select public.log_audit_events(null, %L)',
    (select jsonb_agg(jsonb_build_object('table_name', 't', 'record_id', 'r' || g, 'operation', 'ACCESS')) from generate_series(1, 101) g)),
  '22023', 'log_audit_events: p_events must be a JSON array of 1 to 100 events', '101 events');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS"}, 5]'), '22023',
  'log_audit_events: p_events[1] must be a JSON object', 'a non-object event, named by position');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "actor_id": "x"}]'), '22023',
  'log_audit_events: p_events[0] may only have the keys table_name, record_id, operation, reason, patient_id, job_id, new_values', 'an unknown key');
select throws_ok(pg_temp.call('[{"record_id": "r", "operation": "ACCESS"}]'), '22023',
  'log_audit_events: p_events[0].table_name must be a string of 1 to 100 characters', 'no table_name');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": 7, "operation": "ACCESS"}]'), '22023',
  'log_audit_events: p_events[0].record_id must be a string of 1 to 200 characters', 'a numeric record_id');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": " ", "operation": "ACCESS"}]'), '22023',
  'log_audit_events: p_events[0].record_id must be a string of 1 to 200 characters', 'a blank record_id');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "read"}]'), '22023',
  'log_audit_events: p_events[0].operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT', 'an unknown operation');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "reason": 1}]'), '22023',
  'log_audit_events: p_events[0].reason must be a string of at most 1000 characters', 'a non-string reason');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "patient_id": "not-a-uuid"}]'), '22023',
  'log_audit_events: p_events[0].patient_id must be a UUID', 'a bad patient_id');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "job_id": 12}]'), '22023',
  'log_audit_events: p_events[0].job_id must be a UUID', 'a numeric job_id');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "new_values": [1]}]'), '22023',
  'log_audit_events: p_events[0].new_values must be a JSON object', 'new_values not an object');
select throws_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS"}, {"table_name": "t", "record_id": "r", "operation": "nope"}]'), '22023',
  'log_audit_events: p_events[1].operation must be one of INSERT, UPDATE, DELETE, SELECT, PROCESS, ACCESS, EXPORT', 'the second event bad');
select lives_ok(pg_temp.call('[{"table_name": "t", "record_id": "r", "operation": "ACCESS", "reason": null, "patient_id": null, "job_id": null, "new_values": null}]'),
  'explicit nulls for the optional keys are accepted');
select is((select count(*) from public.audit_log), (select n + 1 from audit_before), 'only the valid batch was written (all or nothing)');
select tests.clear_authentication();

select * from finish();
rollback;
