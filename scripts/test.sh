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

# Side by side, these four took as long as one after the other (54 s against
# 52 s on a fresh clone here), so they run in order, with readable output.
step "type check (tsc)"
yarn tsc

step "lint"
yarn backstage-cli repo lint

step "formatting (prettier)"
yarn prettier --check .

step "OpenAPI router is generated from openapi.yaml"
node plugins/self-service-backend/scripts/generate-openapi.js --check

if [ -n "${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-}" ]; then
  step "tests (store tests on SQLITE_3 and POSTGRES_15)"
else
  step "tests (store tests on SQLITE_3 only: no PostgreSQL connection configured)"
fi
# --verbose lists every test by name, so the log shows which databases ran.
jest_log="$(mktemp)"
trap 'rm -f "$jest_log"' EXIT
# backstage-cli starts the two workers with --workerIdleMemoryLimit=1000M, so
# a worker whose heap passes 1 GB is replaced after its test file. Ours reach
# about 0.9 GB; a replacement forked as the run ends gets Jest's request to
# exit before it is ready and is killed as "failed to exit gracefully".
# 3000M stays below Node's 4.3 GB heap limit here and is not reached, so no
# worker is replaced mid-run (which also saves the restarts).
#
# A worker told to exit then holds 2 GB or more, and a process that size
# takes 0.5-1 s to end on this machine whatever it does (measured with a
# 2.5 GB heap: 0.76-1.05 s when it ends on its own, 0.53 s even when it
# kills itself with SIGKILL: the kernel frees its memory). Jest's default
# grace of 500 ms then reports a worker that was exiting as one that
# "failed to exit gracefully". 5 s covers that with room, and still
# catches a suite that leaks a timer or a connection: such a worker never
# exits on its own, so it is killed, reported, and fails the run below.
yarn backstage-cli repo test --watchAll=false --verbose --workerIdleMemoryLimit=3000M --workerGracefulExitTimeout=5000 "$@" 2>&1 | tee "$jest_log"
if grep -q "failed to exit gracefully" "$jest_log"; then
  echo "tests: FAILED: a Jest worker did not exit within 5 s of the run ending; a suite leaks timers or connections (run it with --detectOpenHandles)" >&2
  exit 1
fi

# End to end, in real headless Chromium against the started app. Without
# Debian's chromium they are skipped (E2E_REQUIRED=1 makes that a failure).
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
  step "end-to-end tests (headless Chromium against both frontends built for production, scripts/e2e.sh)"
  scripts/e2e.sh
elif [ "${E2E_REQUIRED:-}" = "1" ]; then
  echo "end-to-end tests required but ${CHROMIUM:-/usr/bin/chromium} is missing" >&2
  exit 1
else
  step "end-to-end tests skipped: install Debian's chromium (apt-get install chromium)"
fi
