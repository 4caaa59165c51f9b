-- A row put in maintenance still gets its dead slots back (status does not hide
-- them), and active_requests never goes below 0.
begin;
select plan(4);

insert into public.api_rate_limits (provider_name, api_endpoint) values ('t_sweep_off', 'ep');
create temp table held as select public.acquire_api_capacity('t_sweep_off', 'ep', 1) as lease_id;
insert into held select public.acquire_api_capacity('t_sweep_off', 'ep', 1);
update public.api_rate_limits set status = 'maintenance' where provider_name = 't_sweep_off';
update public.api_capacity_leases set expires_at = now() - interval '1 minute' where id in (select lease_id from held);

select is(public.reclaim_expired_capacity(), 2, 'both slots of the row in maintenance are freed');
select is(r.active_requests, 0, 'active_requests back to 0')
  from public.api_rate_limits r where r.provider_name = 't_sweep_off';

-- Counter already (wrongly) at 0 while a lease exists: never negative.
update public.api_rate_limits set status = 'active' where provider_name = 't_sweep_off';
insert into held select public.acquire_api_capacity('t_sweep_off', 'ep', 1);
update public.api_rate_limits set active_requests = 0 where provider_name = 't_sweep_off';
update public.api_capacity_leases set expires_at = now() - interval '1 minute' where id in (select lease_id from held);
select is(public.reclaim_expired_capacity(), 1, 'the lease is reclaimed');
select is(r.active_requests, 0, 'active_requests stays at 0, not -1')
  from public.api_rate_limits r where r.provider_name = 't_sweep_off';

select * from finish();
rollback;
