#!/usr/bin/env bash
# The main job (`npm run demo`): installs what is missing, starts the local stack, checks that
# every part of it answers, then processes the sample documents end to end with live progress.
# Safe to run again: a running stack is left as it is, and each run uses a new demo user.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
DENO=node_modules/.bin/deno
"$DENO" run -A --config deno.json stack/cli.ts start
"$DENO" run -A --config deno.json scripts/smoke.ts
"$DENO" run -A --config deno.json scripts/demo.ts
