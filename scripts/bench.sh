#!/usr/bin/env bash
# Benchmarks, printed as measured on this machine:
# 1. In the app's real backend (auth, permission policy, catalog, Scaffolder)
#    started as its own process: Self-Service trigger -> request beside a
#    Scaffolder task's first request, an authenticated GET and a raw fetch,
#    interleaved; on SQLite (the demo's database) and on the local PostgreSQL.
# 2. Workflows of steps in the same real backend: the time from a step's
#    answer to its dependent's request leaving, beside the Scaffolder's gap
#    between two steps of a task, interleaved, on SQLite and PostgreSQL
#    (target, printed met or not: median at most 5 ms); then
#    BENCH_STEPS_RUNS (default 200) runs of a three-step chain at once on
#    two replicas (ports 7201 and 7202, one PostgreSQL database):
#    throughput, and every step of every run sent exactly once.
# 3. The plugin's harness (stand-ins for auth, permissions and catalog):
#    trigger overhead, callback ingest, run listing (yarn bench in the plugin).
# Loopback only. BENCH_ITERATIONS sets the in-app iterations (default 200).
# Exits non-zero when a guarantee of the step benchmarks did not hold (every
# run a success, every step sent exactly once); the others still run.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

for port in 7201 7202; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "bench: port $port is in use" >&2
    exit 1
  fi
done
iterations="${BENCH_ITERATIONS:-200}"
status=0
echo "=== in the app's real backend, SQLite ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchInApp.ts --iterations "$iterations"
echo "=== in the app's real backend, PostgreSQL ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchInApp.ts --iterations "$iterations" --pg
echo "=== workflows of steps: step to dependent step, in the app's real backend, SQLite ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchSteps.ts --iterations "$iterations" || status=$?
echo "=== workflows of steps: step to dependent step, in the app's real backend, PostgreSQL ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchSteps.ts --iterations "$iterations" --pg || status=$?
echo "=== workflows of steps: concurrent runs on two replicas, PostgreSQL ==="
node --require @backstage/cli/config/nodeTransform.cjs scripts/bench/benchSteps.ts --concurrent --runs "${BENCH_STEPS_RUNS:-200}" || status=$?
echo "=== the plugin's harness (stand-ins for auth, permissions and catalog) ==="
(cd plugins/self-service-backend && BENCH_PG="${BENCH_PG:-postgresql://postgres@127.0.0.1:5432}" yarn bench)
exit "$status"
