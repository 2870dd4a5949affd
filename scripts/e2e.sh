#!/usr/bin/env bash
# End-to-end tests in real headless Chromium against the app: the backend and
# the example external system as scripts/start.sh starts them, and both
# frontends built for production (`backstage-cli package build`, what users
# get) and served on their usual ports: every suite against the legacy app
# (packages/app, :3000), the suite of workflows of several steps alongside
# them, and, alongside them too, the main journeys against the
# new-frontend-system app (packages/app-next, :3001), which shares the
# backend. A production bundle loads in about 3 s here where the dev
# server's takes 8 to 10, and every test signs in with a fresh page. Needs
# Debian's chromium at /usr/bin/chromium (`apt-get install chromium`).
# E2E_SCREENSHOTS_DIR=docs/screenshots also saves the README's screenshots.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "e2e: $CHROMIUM not found; install Debian's chromium to run the end-to-end tests" >&2
  exit 3
fi

for port in 3000 3001 7007 7008 7009; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "e2e: port $port is in use; stop the running app first" >&2
    exit 1
  fi
done

log="$(mktemp)"
app=''
frontends=()
next=''
steps=''
expiry=''
cleanup() {
  if [ -n "$next" ]; then kill "$next" 2>/dev/null || true; fi
  if [ -n "$steps" ]; then kill "$steps" 2>/dev/null || true; fi
  if [ -n "$expiry" ]; then kill "$expiry" 2>/dev/null || true; fi
  for pid in "${frontends[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ -n "$app" ]; then
    kill -TERM -- "-$app" 2>/dev/null || true
    wait "$app" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

build() {
  local package=$1
  if ! wait "$2"; then
    echo "e2e: building packages/$package failed:" >&2
    tail -n 60 "$log.$package" >&2
    exit 1
  fi
  rm -f "$log.$package"
}

# Both frontends build side by side. The backend's app plugin serves
# packages/app/dist and fails to start while that is half-written, so the
# backend starts once the legacy app is built, while app-next goes on.
build_started=$SECONDS
yarn --cwd packages/app build >"$log.app" 2>&1 &
app_build=$!
yarn --cwd packages/app-next build >"$log.app-next" 2>&1 &
next_build=$!
build app "$app_build"

# The example external system reports each pipeline step after 750 ms instead
# of 1.5 s: the run pages still follow several updates live, in half the wait.
export EXAMPLE_CI_STEP_MS="${EXAMPLE_CI_STEP_MS:-750}"
# A process group of its own, so the whole app stops with it.
setsid scripts/start.sh backend >"$log" 2>&1 &
app=$!

build app-next "$next_build"
echo "e2e: both frontends built in $((SECONDS - build_started)) s"
node scripts/lib/serveBuiltApp.cjs packages/app/dist 3000 >>"$log" 2>&1 &
frontends+=("$!")
node scripts/lib/serveBuiltApp.cjs packages/app-next/dist 3001 >>"$log" 2>&1 &
frontends+=("$!")

wait_for() {
  local url=$1 deadline=$((SECONDS + 300))
  until curl -sf -o /dev/null "$url"; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 "$app" 2>/dev/null; then
      echo "e2e: $url did not come up; the app's log follows" >&2
      tail -n 80 "$log" >&2
      exit 1
    fi
    sleep 1
  done
}
wait_for http://localhost:7007/api/self-service/health
wait_for http://localhost:3000/

# The main journeys through the new frontend system (the plugin as installed
# there: page, entity tab, API, its sign-in, notifications and signals) run
# alongside the legacy suites: most of a journey is waiting for the example
# external system and live updates, and each journey finds its own run and
# workflow. No screenshots: the README's come from the legacy app.
wait_for http://localhost:3001/
next_log="$(mktemp)"
next_started=$SECONDS
E2E_APP_URL=http://localhost:3001 \
  E2E_GREP='entity tab and watches|requests an approval workflow|publishes a workflow in the editor' \
  E2E_SCREENSHOTS_DIR='' E2E_FAILURES_DIR=/tmp/self-service-e2e/app-next \
  CHROMIUM="$CHROMIUM" \
  node --require @backstage/cli/config/nodeTransform.cjs e2e/selfService.e2e.ts >"$next_log" 2>&1 &
next=$!

# The journeys of workflows of several steps run alongside too, against the
# legacy app: they start runs of their own, find their workflow by searching
# for it and their notification by its link, so neither the other suites'
# cards nor their runs matter to them.
steps_log="$(mktemp)"
steps_started=$SECONDS
E2E_FAILURES_DIR=/tmp/self-service-e2e/steps CHROMIUM="$CHROMIUM" \
  node --require @backstage/cli/config/nodeTransform.cjs e2e/steps.e2e.ts >"$steps_log" 2>&1 &
steps=$!

# Runs that write to the catalog and expire: mostly waiting three minutes
# for a run to expire, so alongside too; it starts a run of its own.
expiry_log="$(mktemp)"
expiry_started=$SECONDS
E2E_FAILURES_DIR=/tmp/self-service-e2e/expiry CHROMIUM="$CHROMIUM" \
  node --require @backstage/cli/config/nodeTransform.cjs e2e/expiry.e2e.ts >"$expiry_log" 2>&1 &
expiry=$!

# The legacy suites one after the other (two of them take the stand-in
# receiver's port); each runs even if one before it failed.
status=0
for suite in e2e/selfService.e2e.ts e2e/hostileContent.e2e.ts e2e/delivery.e2e.ts; do
  CHROMIUM="$CHROMIUM" node --require @backstage/cli/config/nodeTransform.cjs "$suite" || status=1
done

next_status=0
wait "$next" || next_status=$?
next=''
echo "e2e: the main journeys against the new-frontend-system app (packages/app-next), run alongside, took $((SECONDS - next_started)) s:"
cat "$next_log"
rm -f "$next_log"
[ "$next_status" = 0 ] || status=1

steps_status=0
wait "$steps" || steps_status=$?
steps=''
echo "e2e: the journeys of workflows of several steps, run alongside, took $((SECONDS - steps_started)) s:"
cat "$steps_log"
rm -f "$steps_log"
[ "$steps_status" = 0 ] || status=1

# The at-scale suite publishes 600 workflows, which would push the cards the
# other journeys look for off their first page, so it runs once they have
# found theirs, last (and deletes them).
# The expiry journey, still waiting for its run to expire, found its card
# long before, so it need not wait for this.
CHROMIUM="$CHROMIUM" node --require @backstage/cli/config/nodeTransform.cjs e2e/atScale.e2e.ts || status=1

expiry_status=0
wait "$expiry" || expiry_status=$?
expiry=''
echo "e2e: the journey of a run that writes to the catalog and expires, run alongside, took $((SECONDS - expiry_started)) s:"
cat "$expiry_log"
rm -f "$expiry_log"
[ "$expiry_status" = 0 ] || status=1
exit "$status"
