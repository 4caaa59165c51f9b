-- The billing cycle is the calendar month in UTC, [start, end), whatever the session's
-- time zone (month arithmetic done in UTC, so DST does not shift the end).
begin;
select plan(9);

set local timezone = 'UTC';
select results_eq($$select * from private.billing_cycle('2026-11-15 12:00:00+00')$$,
  $$values ('2026-11-01 00:00:00+00'::timestamptz, '2026-12-01 00:00:00+00'::timestamptz)$$, 'mid-month');
select results_eq($$select * from private.billing_cycle('2026-11-01 00:00:00+00')$$,
  $$values ('2026-11-01 00:00:00+00'::timestamptz, '2026-12-01 00:00:00+00'::timestamptz)$$, 'the first instant belongs to the month');
select results_eq($$select * from private.billing_cycle('2026-11-30 23:59:59.999999+00')$$,
  $$values ('2026-11-01 00:00:00+00'::timestamptz, '2026-12-01 00:00:00+00'::timestamptz)$$, 'the last instant too');
select results_eq($$select * from private.billing_cycle('2026-12-31 23:00:00+00')$$,
  $$values ('2026-12-01 00:00:00+00'::timestamptz, '2027-01-01 00:00:00+00'::timestamptz)$$, 'December ends at the new year');
select results_eq($$select * from private.billing_cycle('2028-02-29 12:00:00+00')$$,
  $$values ('2028-02-01 00:00:00+00'::timestamptz, '2028-03-01 00:00:00+00'::timestamptz)$$, 'a leap February');

set local timezone = 'America/New_York';
select results_eq($$select * from private.billing_cycle('2026-10-31 22:00:00-04')$$,
  $$values ('2026-11-01 00:00:00+00'::timestamptz, '2026-12-01 00:00:00+00'::timestamptz)$$,
  'October 31st 22:00 in New York is already November in UTC');
select results_eq($$select * from private.billing_cycle('2026-03-15 12:00:00-04')$$,
  $$values ('2026-03-01 00:00:00+00'::timestamptz, '2026-04-01 00:00:00+00'::timestamptz)$$,
  'across a DST change the end is still midnight UTC');

set local timezone = 'Asia/Tokyo';
select results_eq($$select * from private.billing_cycle('2026-12-01 08:00:00+09')$$,
  $$values ('2026-11-01 00:00:00+00'::timestamptz, '2026-12-01 00:00:00+00'::timestamptz)$$,
  'December 1st 08:00 in Tokyo is still November in UTC');

select ok(not has_function_privilege('authenticated', 'private.billing_cycle(timestamptz)', 'execute')
          and not has_function_privilege('anon', 'private.billing_cycle(timestamptz)', 'execute'),
  'internal: no client may execute it');

select * from finish();
rollback;
