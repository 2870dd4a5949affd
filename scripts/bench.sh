#!/usr/bin/env bash
# Benchmarks, printed as measured on this machine:
# 1. In the app's real backend (auth, permission policy, catalog, Scaffolder)
#    started as its own process: Self-Service trigger -> request beside a
#    Scaffolder task's first request, an authenticated GET and a raw fetch,
#    interleaved; on SQLite (the demo's database) and on the local PostgreSQL.
# 2. The plugin's harness (stand-ins for auth, permissions and catalog):
#    trigger overhead, callback ingest, run listing (yarn bench in the plugin).
# Loopback only. BENCH_ITERATIONS sets the in-app iterations (default 200).
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

if (exec 3<>"/dev/tcp/127.0.0.1/7201") 2>/dev/null; then
  echo "bench: port 7201 is in use" >&2
  exit 1
fi
iterations="${BENCH_ITERATIONS:-200}"
echo "=== in the app's real backend, SQLite ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchInApp.ts --iterations "$iterations"
echo "=== in the app's real backend, PostgreSQL ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchInApp.ts --iterations "$iterations" --pg
echo "=== the plugin's harness (stand-ins for auth, permissions and catalog) ==="
(cd plugins/self-service-backend && BENCH_PG="${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}" yarn bench)
