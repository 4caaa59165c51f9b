-- =============================================================================
-- 10 QUEUE HISTORY: what keeps the claim cheap as job_queue fills up
-- (issue 6, benchmark 2: bench/history.ts; numbers in BENCHMARKS.md).
--
-- FINISHED HISTORY costs the claim and the sweeper nothing in steady state: both
-- read only rows of the statuses their partial indexes cover (job_queue_claim_idx
-- WHERE status = 'pending', job_queue_lease_idx WHERE status = 'processing'; 0400),
-- so 1M completed rows leave their plans and the buffers they touch unchanged.
--
-- WHERE HISTORY DOES HURT: autovacuum's defaults scale with the table. ANALYZE
-- waits for 50 + 10% of the rows to change, VACUUM for 50 + 20% to die. With 1M
-- finished rows, a burst of 50k new jobs leaves the statistics saying "no pending
-- jobs" until some 100k rows have changed; the planner then believes the partial
-- indexes are empty and walks them whole inside every claim (the UPDATE's join
-- included): 30-40 ms per claim instead of ~1 ms, for as long as that takes.
-- With 10k or 100k finished rows the same burst is analyzed at autovacuum's next
-- round. Dead index entries left by claims and heartbeats likewise wait for 20%
-- of the table to die. A queue table must be analyzed and vacuumed by the amount
-- of change, not by its size: the storage parameters below make both absolute
-- (ANALYZE after 1000 changed rows, VACUUM after 5000 dead ones), so they run at
-- every autovacuum round (autovacuum_naptime, 60 s) that follows real activity,
-- whatever the history. Until that round, a burst is still claimed on the old
-- statistics (see the trade-off below).
--
-- PENDING JOBS THAT ARE NOT DUE YET cost every claim. claim_next_job_v3 wants the
-- first pending job in (priority desc, created_at) order with scheduled_at <=
-- now(). job_queue_claim_idx gives that order but not the filter: every job
-- waiting out a retry backoff (up to queue.retry_max_delay_seconds), a
-- backpressure delay or a future scheduled_at sits in it, and each claim walked
-- past all of them: with 1M deferred jobs and a few due ones, about half a second
-- per claim (35k buffers). private.dispatch_workers filters the same way.
--
-- job_queue_due_idx (below) indexes pending jobs by scheduled_at. When few
-- pending jobs are due, the planner reads just those (a range scan up to now())
-- and sorts that handful by priority and age (1M deferred: ~2 ms, 20 buffers);
-- when most are due it keeps walking job_queue_claim_idx, whose first rows are
-- then due. Both plans return the same job; the claim's order and semantics do
-- not change. Cost: one more index entry per pending row.
-- TRADE-OFF: on stale statistics (the first autovacuum round after a burst) the
-- planner believes both partial indexes empty and may pick this one, then sort
-- the whole burst: 50k new due jobs cost ~70 ms per claim for that minute,
-- against ~30 ms without this index. A minute of that buys the deferred case,
-- which lasts as long as an outage's backoffs do.
--
-- NOT SOLVED HERE: a large due backlog that is NEWER than a large deferred set
-- (new uploads arriving while older jobs wait out a provider outage's backoff).
-- Most pending jobs are then due, the planner walks job_queue_claim_idx, and that
-- walk still passes every older deferred job first (500k + 500k: ~220 ms per
-- claim, with or without this file). Only an order an index can serve together
-- with the filter fixes that (claim by priority desc, scheduled_at, as
-- graphile-worker orders by run_at), a change to claim_next_job_v3's documented
-- order ("priority then age") that is left to its owner.
--
-- Locking: CREATE INDEX (not CONCURRENTLY: migrations run in a transaction) holds
-- off writes to job_queue while it builds, about a second per million rows on the
-- benchmark machine; ALTER TABLE ... SET takes a lock that only blocks DDL and
-- VACUUM, briefly.
-- =============================================================================

-- -----------------------------------------------------------------------------
-- PRE-FLIGHT: what this file needs from earlier migrations (review 000).
-- -----------------------------------------------------------------------------
do $$
declare
  v_missing text[] := array[]::text[];
begin
  if to_regclass('public.job_queue') is null then
    v_missing := v_missing || 'table public.job_queue (20261122000400_job_queue)';
  end if;
  if to_regclass('public.job_queue_claim_idx') is null then
    v_missing := v_missing || 'index public.job_queue_claim_idx (20261122000400_job_queue)';
  end if;
  if to_regprocedure('public.claim_next_job_v3(text, text[], text[])') is null then
    v_missing := v_missing || 'function public.claim_next_job_v3(text, text[], text[]) (20261122000600_job_rpcs)';
  end if;
  if cardinality(v_missing) > 0 then
    raise exception '20261122001000_queue_history: missing dependencies: %', array_to_string(v_missing, '; ');
  end if;
end
$$;

-- -----------------------------------------------------------------------------
-- INDEX: job_queue_due_idx — pending jobs by when they are due. Read by the
-- claim (claim_next_job_v3), the dispatcher (private.dispatch_workers) and
-- ops.queue_depth whenever `status = 'pending' and scheduled_at <= now()` selects
-- few of the pending rows.
-- -----------------------------------------------------------------------------
create index if not exists job_queue_due_idx
  on public.job_queue (scheduled_at) where status = 'pending';
comment on index public.job_queue_due_idx is
  'Pending jobs by scheduled_at: lets a claim find the few due jobs without walking the ones waiting for a backoff, backpressure delay or future schedule (20261122001000_queue_history; bench/history.ts).';

-- -----------------------------------------------------------------------------
-- AUTOVACUUM: by the amount of change, not the table's size (see the header).
-- Each analyze samples at most 30k rows (default_statistics_target 100); each
-- vacuum reads the pages changed since the last one and job_queue's indexes.
-- Setting the same values again changes nothing.
-- -----------------------------------------------------------------------------
alter table public.job_queue set (
  autovacuum_analyze_scale_factor = 0,
  autovacuum_analyze_threshold = 1000,
  autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 5000
);

-- -----------------------------------------------------------------------------
-- VERIFY: the index exists, is valid, and covers exactly the pending rows by
-- scheduled_at (an older index of the same name with another shape would make
-- `create index if not exists` a silent no-op); the autovacuum settings hold.
-- -----------------------------------------------------------------------------
do $$
declare
  v_index regclass := to_regclass('public.job_queue_due_idx');
begin
  if v_index is null then
    raise exception '20261122001000_queue_history: index public.job_queue_due_idx was not created';
  end if;
  if not exists (
    select 1
      from pg_catalog.pg_index i
     where i.indexrelid = v_index
       and i.indrelid = 'public.job_queue'::regclass
       and i.indisvalid
       and pg_catalog.pg_get_indexdef(i.indexrelid) like '%(scheduled_at) WHERE (status = ''pending''::text)'
  ) then
    raise exception '20261122001000_queue_history: public.job_queue_due_idx must be a valid index on job_queue (scheduled_at) WHERE status = ''pending''; found: %',
      pg_catalog.pg_get_indexdef(v_index);
  end if;
  if not (select c.reloptions @> array['autovacuum_analyze_scale_factor=0', 'autovacuum_analyze_threshold=1000',
                                       'autovacuum_vacuum_scale_factor=0', 'autovacuum_vacuum_threshold=5000']
            from pg_catalog.pg_class c where c.oid = 'public.job_queue'::regclass) then
    raise exception '20261122001000_queue_history: public.job_queue autovacuum settings are not applied; found: %',
      (select c.reloptions from pg_catalog.pg_class c where c.oid = 'public.job_queue'::regclass);
  end if;
end
$$;
