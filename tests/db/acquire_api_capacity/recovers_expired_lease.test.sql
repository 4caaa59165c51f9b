-- A slot whose holder died (lease past expires_at) does not block: acquire
-- reclaims the expired leases of its row before deciding. Live leases stay.
begin;
select plan(7);

insert into public.api_rate_limits (provider_name, api_endpoint, concurrent_requests)
values ('t_dead', 'ep', 2);

create temp table held (n integer, lease_id uuid);
insert into held select 1, public.acquire_api_capacity('t_dead', 'ep', 10, null, 'dead-worker');
insert into held select 2, public.acquire_api_capacity('t_dead', 'ep', 10, null, 'live-worker');
select is(public.acquire_api_capacity('t_dead', 'ep', 10), null, 'both slots held: refused');

-- The first holder died: its lease expired.
update public.api_capacity_leases set expires_at = now() - interval '1 second'
 where id = (select lease_id from held where n = 1);

select isnt(public.acquire_api_capacity('t_dead', 'ep', 10, null, 'new-worker'), null,
  'the expired slot is recovered and granted');
select is(r.active_requests, 2, 'active_requests counts the live lease and the new one')
  from public.api_rate_limits r where r.provider_name = 't_dead';
select is((select count(*)::integer from public.api_capacity_leases where id = (select lease_id from held where n = 1)), 0,
  'the expired lease is gone');
select is((select count(*)::integer from public.api_capacity_leases where id = (select lease_id from held where n = 2)), 1,
  'the live lease is kept');
select is(public.acquire_api_capacity('t_dead', 'ep', 10), null, 'no live slot is taken: full again');
select is(r.current_tokens_minute, 30, 'the dead holder''s estimate stays counted (3 grants x 10)')
  from public.api_rate_limits r where r.provider_name = 't_dead';

select * from finish();
rollback;
