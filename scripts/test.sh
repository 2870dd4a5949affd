#!/usr/bin/env bash
# Runs every check: type check, lint, formatting, the OpenAPI router's
# freshness, all test suites, and the end-to-end tests in headless Chromium. Store tests always run on SQLite, and on PostgreSQL 15 too when
# BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING is set, for example:
#   BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING=postgresql://postgres@127.0.0.1:5432 scripts/test.sh
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

# No Docker here: databases without a connection string are skipped, never
# started in containers.
export BACKSTAGE_TEST_DISABLE_DOCKER=1

# Each step says when it starts, counted from the start of the run, so a log
# shows where the time goes.
step() { printf '\n=== %s (at %ss) ===\n' "$*" "$SECONDS"; }

# The static checks are independent and each mostly single-threaded, so they
# run side by side on the two cores here; each one's output follows once all
# have finished, under its name.
step "static checks side by side: type check (tsc), lint, formatting (prettier), OpenAPI router is generated from openapi.yaml"
checks="$(mktemp -d)"
check() {
  local name=$1
  shift
  ("$@" >"$checks/$name.log" 2>&1 && echo 0 >"$checks/$name.rc" || echo $? >"$checks/$name.rc") &
}
check tsc yarn tsc
check lint yarn backstage-cli repo lint
check prettier yarn prettier --check .
check openapi node plugins/self-service-backend/scripts/generate-openapi.js --check
wait
checks_failed=0
for name in tsc lint prettier openapi; do
  rc="$(cat "$checks/$name.rc")"
  echo "--- $name: exit $rc"
  cat "$checks/$name.log"
  [ "$rc" = 0 ] || checks_failed=1
done
rm -rf "$checks"
if [ "$checks_failed" != 0 ]; then
  echo "static checks failed (see above)" >&2
  exit 1
fi

if [ -n "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-}" ]; then
  step "tests (store tests on SQLITE_3 and POSTGRES_15)"
else
  step "tests (store tests on SQLITE_3 only: no PostgreSQL connection configured)"
fi
# --verbose lists every test by name, so the log shows which databases ran.
# A suite that leaves timers or connections behind keeps its Jest worker
# alive until Jest kills it; that is a leak to fix, so it fails the run.
jest_log="$(mktemp)"
trap 'rm -f "$jest_log"' EXIT
yarn backstage-cli repo test --watchAll=false --verbose "$@" 2>&1 | tee "$jest_log"
if grep -q "failed to exit gracefully" "$jest_log"; then
  # Reported, not yet failing: one suite still leaks under CI load (issue 8).
  echo "tests: WARNING a Jest worker failed to exit gracefully; a suite leaks timers or connections (run it with --detectOpenHandles)" >&2
fi

# End to end, in real headless Chromium against the started app. Without
# Debian's chromium they are skipped (E2E_REQUIRED=1 makes that a failure).
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  step "end-to-end tests (headless Chromium against scripts/start.sh)"
  scripts/e2e.sh
elif [ "${E2E_REQUIRED:-}" = "1" ]; then
  echo "end-to-end tests required but ${CHROMIUM:-/usr/bin/chromium} is missing" >&2
  exit 1
else
  step "end-to-end tests skipped: install Debian's chromium (apt-get install chromium)"
fi
