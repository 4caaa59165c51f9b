#!/usr/bin/env bash
# The test command (`npm test`): installs what is missing, type-checks, runs the unit tests,
# starts a fresh local stack instance named "test" (its own ports and data), runs pgTAP through
# pg_prove and the integration tests through deno test, stops the instance, and exits
# non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

export STACK_INSTANCE=test
export STACK_PORT_BASE="${STACK_TEST_PORT_BASE:-24421}"
# Test-only functions, and a short wall-clock limit for the one that outlives it.
export STACK_EXTRA_FUNCTIONS=tests/fixtures/functions
export STACK_WALL_CLOCK_MS__SLEEPER=1500 STACK_WALL_CLOCK_MS__SLOW_BOOT=1500
# The worker killed by its wall clock in seconds rather than 150 s (the fault tests kill it
# mid-step), with its budget scaled down to match, and an AI timeout the tests can reach.
export STACK_WALL_CLOCK_MS__JOB_WORKER=6000 WORKER_BUDGET_MS=4000 WORKER_SAFETY_MARGIN_MS=1500 AI_TIMEOUT_MS=2000

DENO=node_modules/.bin/deno
export NO_COLOR=1 # plain runner summaries, which the totals below are read from
STACK=(node_modules/.bin/deno run -A --config deno.json stack/cli.ts)
LOG_DIR=$(mktemp -d)
failed=()
passed_total=0
failed_total=0

# Runs one suite, keeps its output, and adds its counts to the totals.
suite() {
  local name=$1
  shift
  echo
  echo "=== $name"
  "$@" 2>&1 | tee "$LOG_DIR/$name.log"
  local status=${PIPESTATUS[0]}
  local counts
  # deno test: "ok | 12 passed | 0 failed"; pg_prove: "Files=3, Tests=40" and "Failed N/M subtests"
  if counts=$(grep -aE '^(ok|FAILED) \| [0-9]+ passed' "$LOG_DIR/$name.log" | tail -1) && [ -n "$counts" ]; then
    passed_total=$((passed_total + $(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$counts")))
    failed_total=$((failed_total + $(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$counts")))
  elif counts=$(grep -aE '^Files=[0-9]+, Tests=[0-9]+' "$LOG_DIR/$name.log" | tail -1) && [ -n "$counts" ]; then
    local total bad
    total=$(sed -E 's/.*Tests=([0-9]+).*/\1/' <<<"$counts")
    bad=$(grep -aE '^Failed [0-9]+/[0-9]+ subtests' "$LOG_DIR/$name.log" | awk '{ n += $2 } END { print n + 0 }')
    passed_total=$((passed_total + total - ${bad:-0}))
    failed_total=$((failed_total + ${bad:-0}))
  fi
  if [ "$status" -ne 0 ]; then
    failed+=("$name")
    [ -z "$counts" ] && failed_total=$((failed_total + 1))
  elif [ -z "$counts" ]; then
    passed_total=$((passed_total + 1)) # a command that reports no counts (the soak) is one test
  fi
}

stop_stack() { "${STACK[@]}" stop >/dev/null 2>&1 || true; }

suite typecheck "$DENO" check --config deno.json stack/ functions/ workers/ tests/ scripts/ bench/
suite unit "$DENO" test -A --config deno.json tests/unit/

echo
echo "=== starting a fresh stack instance '$STACK_INSTANCE'"
"${STACK[@]}" reset >/dev/null
trap stop_stack EXIT
if ! "${STACK[@]}" start; then
  echo "tests: could not start the test stack; see .stack/$STACK_INSTANCE/logs/" >&2
  exit 1
fi

set -a
# shellcheck disable=SC1090
. ".stack/$STACK_INSTANCE/env"
set +a
psql -X -q -v ON_ERROR_STOP=1 "$SUPABASE_DB_URL" -f sql/tests/helpers.sql >/dev/null || exit 1
suite pgtap pg_prove --ext .sql -r --failures -d "$SUPABASE_DB_URL" tests/db/
suite integration "$DENO" test -A --config deno.json tests/stack/
stop_stack
# The short soak: its own fresh instance, documents through kills and provider faults, the
# invariants checked; exits non-zero on any loss or duplicate. (The test env file set
# STACK_DIR for the test instance; the soak keeps its own.)
suite soak env -u STACK_DIR STACK_INSTANCE=soak STACK_PORT_BASE=25621 "$DENO" run -A --config deno.json scripts/soak.ts --quick

echo
if ((${#failed[@]})); then
  echo "failed suites: ${failed[*]} (logs: $LOG_DIR)"
  echo "tests: $passed_total passed, $failed_total failed"
  exit 1
fi
echo "tests: $passed_total passed, $failed_total failed"
