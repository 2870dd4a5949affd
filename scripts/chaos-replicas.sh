#!/usr/bin/env bash
# Chaos test of durable delivery: starts two backend replicas of the app
# (packages/backend, with auth, permissions and catalog) on the local
# PostgreSQL (127.0.0.1:5432, databases chaos_<pid>_*, dropped afterwards),
# triggers runs on both and approves some on replica A, kills A with SIGKILL
# half a second later, and prints lost, doubled, failed-by-kill and time to
# recover. Then, once, the same with runs of a six-step workflow
# (a -> b, c -> d -> e -> f, steps with delivery.maxAttempts 2; databases
# chaos_steps_<pid>_*): A is killed while steps are mid-flight and B carries
# every run on; prints lost and doubled steps, resends with the same
# webhook-id and time to finish after the kill. Loopback only. Exits non-zero
# when a guarantee did not hold.
#
#   scripts/chaos-replicas.sh              # maxAttempts 2 and then 1, then steps
#   scripts/chaos-replicas.sh 2            # one of them, then steps
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

for port in 7101 7102; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "chaos: port $port is in use" >&2
    exit 1
  fi
done

status=0
for attempts in "${@:-2 1}"; do
  for a in $attempts; do
    echo "=== chaos: two replicas, one killed, delivery.maxAttempts $a ==="
    node --require @backstage/cli/config/nodeTransform.cjs \
      scripts/chaos/chaosReplicas.ts --max-attempts "$a" || status=$?
  done
done
echo "=== chaos: workflow of six steps, two replicas, one killed mid-step ==="
node --require @backstage/cli/config/nodeTransform.cjs \
  scripts/chaos/chaosSteps.ts || status=$?
exit "$status"
