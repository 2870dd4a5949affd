#!/usr/bin/env bash
# Lists at the scale of a large organisation, printed as measured on this
# machine: the app's real backend on a fresh PostgreSQL database (the local
# one, 127.0.0.1:5432), 2,000 workflows published through the API, 1,000,000
# runs seeded, then the first page of each workflow and run list timed
# through HTTP with auth. Loopback only; the database is dropped at the end.
# Arguments pass through: --workflows N --runs N --calls N.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

if (exec 3<>"/dev/tcp/127.0.0.1/7202") 2>/dev/null; then
  echo "bench-lists: port 7202 is in use" >&2
  exit 1
fi
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/runListsAtScale.ts "$@"
