#!/usr/bin/env bash
# The benchmarks (`npm run bench [-- --quick] [-- --runs N]`): installs what is missing, runs
# each benchmark of BENCHMARKS.md on the bench stack instance (STACK_INSTANCE=bench, ports
# 25521+), then refreshes BENCHMARKS.md's tables from bench/results/ (not after --quick,
# whose results go to *.quick.* files and prove only that the harness works).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DENO=(node_modules/.bin/deno run -A --config deno.json)
export STACK_INSTANCE="${STACK_INSTANCE:-bench}" STACK_PORT_BASE="${STACK_PORT_BASE:-25521}"
status=0
for bench in queue_core history rate_limiter pipeline; do
  echo
  echo "=== bench/$bench.ts $*"
  "${DENO[@]}" "bench/$bench.ts" "$@" || { echo "bench/$bench.ts failed"; status=1; }
done
"${DENO[@]}" stack/cli.ts stop >/dev/null || true
case " $* " in
  *" --quick "*) ;;
  *) "${DENO[@]}" bench/tables.ts ;;
esac
exit $status
