#!/usr/bin/env bash
# The local stack: start | stop | restart | status | reset | env | token <user-id>.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >&2
exec node_modules/.bin/deno run -A --config deno.json stack/cli.ts "$@"
