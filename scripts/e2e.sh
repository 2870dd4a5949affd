#!/usr/bin/env bash
# End-to-end tests in real headless Chromium against the app started by
# scripts/start.sh (frontend, backend, example external system): every suite
# against the legacy app (packages/app, :3000), then the main journeys
# against the new-frontend-system app (packages/app-next, :3001), whose dev
# server starts with the rest and shares the backend. Needs
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
# A process group of its own, so the whole app stops with it. Both frontends
# start at once, so app-next's compile overlaps the legacy app's.
setsid scripts/start.sh app app-next backend >"$log" 2>&1 &
app=$!
cleanup() {
  kill -TERM -- "-$app" 2>/dev/null || true
  wait "$app" 2>/dev/null || true
  rm -f "$log"
}
trap cleanup EXIT

wait_for() {
  local url=$1 deadline=$((SECONDS + 300))
  until curl -sf -o /dev/null "$url"; do
    if [ $SECONDS -gt $deadline ] || ! kill -0 "$app" 2>/dev/null; then
      echo "e2e: $url did not come up; the app's log follows" >&2
      tail -n 80 "$log" >&2
      exit 1
    fi
    sleep 2
  done
}
wait_for http://localhost:7007/api/self-service/health
wait_for http://localhost:3000/

# Every suite against the same app, one after the other (two of them take
# the stand-in receiver's port); each runs even if one before it failed.
# The at-scale suite publishes 600 workflows (and deletes them), so it runs last.
status=0
for suite in e2e/selfService.e2e.ts e2e/hostileContent.e2e.ts e2e/delivery.e2e.ts e2e/atScale.e2e.ts; do
  CHROMIUM="$CHROMIUM" node --require @backstage/cli/config/nodeTransform.cjs "$suite" || status=1
done

# The same journeys through the new frontend system: the plugin as installed
# there (page, entity tab, API), its sign-in, notifications and signals.
# No screenshots: the README's come from the legacy app.
next_started=$SECONDS
wait_for http://localhost:3001/
echo "e2e: the main journeys against the new-frontend-system app (packages/app-next)"
E2E_APP_URL=http://localhost:3001 \
  E2E_GREP='entity tab and watches|requests an approval workflow|publishes a workflow in the editor' \
  E2E_SCREENSHOTS_DIR='' CHROMIUM="$CHROMIUM" \
  node --require @backstage/cli/config/nodeTransform.cjs e2e/selfService.e2e.ts || status=1
echo "e2e: app-next journeys took $((SECONDS - next_started)) s"
exit "$status"
