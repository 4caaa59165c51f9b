#!/usr/bin/env bash
# The soak (`npm run soak -- [--documents N] [--seed S] [--quick] [--recovery] [--keep]`):
# installs what is missing, then runs scripts/soak.ts on its own fresh stack instance.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node_modules/.bin/deno run -A --config deno.json scripts/soak.ts "$@"
