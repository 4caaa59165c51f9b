-- The sweeper frees every slot whose lease expired, on every row, and only those;
-- tokens the dead holders were counted for stay counted; one audit event per row.
begin;
select plan(11);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_sweep', 'a'), ('t_sweep', 'b');
create temp table held (n integer, lease_id uuid);
insert into held select 1, public.acquire_api_capacity('t_sweep', 'a', 100, null, 'dead-1');
insert into held select 2, public.acquire_api_capacity('t_sweep', 'a', 100, null, 'dead-2');
insert into held select 3, public.acquire_api_capacity('t_sweep', 'a', 100, null, 'live');
insert into held select 4, public.acquire_api_capacity('t_sweep', 'b', 100, null, 'dead-3');
insert into held select 5, public.acquire_api_capacity('t_sweep', 'b', 100, null, 'on-the-edge');

-- 1, 2 and 4 expired; 5 expires exactly now (expired); 3 one microsecond from now (live).
update public.api_capacity_leases set expires_at = now() - interval '10 minutes'
 where id in (select lease_id from held where n in (1, 2, 4));
update public.api_capacity_leases set expires_at = now() where id = (select lease_id from held where n = 5);
update public.api_capacity_leases set expires_at = now() + interval '1 microsecond'
 where id = (select lease_id from held where n = 3);

create temp table audit_before as select coalesce(max(id), 0) as max_id from public.audit_log;

select is(public.reclaim_expired_capacity(), 4, 'four slots freed (expires_at <= now())');
select is(r.active_requests, 1, 'row a keeps only its live slot')
  from public.api_rate_limits r where r.provider_name = 't_sweep' and r.api_endpoint = 'a';
select is(r.active_requests, 0, 'row b is free')
  from public.api_rate_limits r where r.provider_name = 't_sweep' and r.api_endpoint = 'b';
select set_eq($$select l.id from public.api_capacity_leases l join public.api_rate_limits r on r.id = l.rate_limit_id
                where r.provider_name = 't_sweep'$$,
              'select lease_id from held where n = 3', 'only the live lease remains');
select is((select sum(r.current_tokens_minute)::integer from public.api_rate_limits r where r.provider_name = 't_sweep'), 500,
  'the dead holders'' estimates stay counted');
select is((select sum(r.current_requests_minute)::integer from public.api_rate_limits r where r.provider_name = 't_sweep'), 5,
  'request counters are untouched');

select is((select count(*)::integer from public.audit_log a, audit_before b
            where a.id > b.max_id and a.table_name = 'api_rate_limits' and a.reason = 'capacity leases expired; slots reclaimed'),
  2, 'one audit event per row with reclaimed slots');
select is((select (a.new_values ->> 'freed_slots')::integer from public.audit_log a, audit_before b
             join public.api_rate_limits r on r.provider_name = 't_sweep' and r.api_endpoint = 'a'
            where a.id > b.max_id and a.record_id = r.id::text), 2, 'the audit event counts the row''s freed slots');

-- Nothing more to do: 0, no audit.
select is(public.reclaim_expired_capacity(), 0, 'a second sweep frees nothing');
select is((select count(*)::integer from public.audit_log a, audit_before b where a.id > b.max_id), 2,
  'and audits nothing');
select is(r.active_requests, 1, 'the live slot is still held')
  from public.api_rate_limits r where r.provider_name = 't_sweep' and r.api_endpoint = 'a';

select * from finish();
rollback;
