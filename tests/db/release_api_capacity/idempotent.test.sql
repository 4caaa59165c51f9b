-- A double release, an unknown lease, or a lease the reclaimer already took back
-- returns false and changes nothing: one lease never frees two slots.
begin;
select plan(9);

insert into public.api_rate_limits (provider_name, api_endpoint, concurrent_requests)
values ('t_twice', 'ep', 5);

create temp table held (n integer, lease_id uuid);
insert into held select 1, public.acquire_api_capacity('t_twice', 'ep', 1000);
insert into held select 2, public.acquire_api_capacity('t_twice', 'ep', 1000);
insert into held select 3, public.acquire_api_capacity('t_twice', 'ep', 1000);

select is(public.release_api_capacity((select lease_id from held where n = 1), 500), true, 'first release: true');
create temp table after_first as select * from public.api_rate_limits where provider_name = 't_twice';

select is(public.release_api_capacity((select lease_id from held where n = 1), 500), false, 'second release: false');
select set_eq($$select * from public.api_rate_limits where provider_name = 't_twice'$$, 'select * from after_first',
  'the second release changed nothing (no second slot, no second delta)');
select is(r.active_requests, 2, 'two slots still held')
  from public.api_rate_limits r where r.provider_name = 't_twice';

select is(public.release_api_capacity('00000000-0000-4000-8000-0000000000ee', 10), false, 'unknown lease: false');
select set_eq($$select * from public.api_rate_limits where provider_name = 't_twice'$$, 'select * from after_first',
  'an unknown lease changes nothing');

-- Lease 2's holder died and the reclaimer took the slot back; a late release is a no-op.
update public.api_capacity_leases set expires_at = now() - interval '1 second'
 where id = (select lease_id from held where n = 2);
select is(public.reclaim_expired_capacity(), 1, 'the reclaimer frees the expired slot');
select is(public.release_api_capacity((select lease_id from held where n = 2), 10), false,
  'a release after the reclaim: false');
select is(r.active_requests, 1, 'only the live lease holds a slot')
  from public.api_rate_limits r where r.provider_name = 't_twice';

select * from finish();
rollback;
