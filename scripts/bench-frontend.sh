#!/usr/bin/env bash
# The frontend at the scale of a large organisation, printed as measured on
# this machine: the app's real backend serving the built legacy frontend
# (packages/app/dist, built here if missing) on a fresh PostgreSQL database
# (the local one, 127.0.0.1:5432), 2,000 workflows and 1,000,000 runs, then
# headless Chromium (/usr/bin/chromium) timing the first card and row of
# each page and a search keystroke, and checking every /api/ request's size.
# Loopback only; the database is dropped at the end.
# Arguments pass through: --workflows N --runs N --iterations N.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

if (exec 3<>"/dev/tcp/127.0.0.1/7301") 2>/dev/null; then
  echo "bench-frontend: port 7301 is in use" >&2
  exit 1
fi
if [ ! -f packages/app/dist/index.html ]; then
  yarn --cwd packages/app build
fi
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/frontendAtScale.ts "$@"
