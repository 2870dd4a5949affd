#!/usr/bin/env bash
# Installs the five packages into a fresh Backstage app the way README.md's
# "Installing into an existing Backstage" tells a platform team to, and checks
# that it works:
#   1. builds and packs the five packages; the packed manifests must be
#      publishable (no workspace: ranges, entry points in dist/, no run-time
#      dependency on @backstage/backend-defaults);
#   2. creates an app with @backstage/create-app 0.9.2 (new frontend system,
#      feature discovery), adds the backend and frontend plugins with
#      `yarn --cwd packages/<backend|app> add`, and the README's backend lines
#      (the plugin, and the catalog module that publishes runs' entities);
#   3. installs, requires a single copy of @backstage/backend-defaults, and
#      type-checks the app;
#   4. builds the frontend, starts the backend on 127.0.0.1:7420 (serving the
#      built frontend), and in headless Chromium, talking to loopback only,
#      signs in as guest and finds the Self-Service page, its nav item and the
#      "Workflows" tab of an example entity.
# Everything happens in a temporary folder, removed on exit
# (INSTALL_TEST_KEEP=1 keeps it). Prints each phase's time and PASS or FAIL.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

PORT=7420
CREATE_APP_VERSION=0.9.2
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
# The packages' directories and names, in build order.
DIRS=(self-service-common self-service-node self-service self-service-backend catalog-backend-module-self-service)

TMP="$(mktemp -d "${TMPDIR:-/tmp}/self-service-install-test.XXXXXX")"
PKGS="$TMP/packages"
APP="$TMP/app"
LOG="$TMP/backend.log"
backend_pid=""
started=$SECONDS
phase_started=$SECONDS
phase_name=""
timings=()

reported=""
cleanup() {
  local status=$?
  if [ "$status" -ne 0 ] && [ -z "$reported" ]; then
    echo "install-test: FAIL: exit $status in phase '$phase_name'" >&2
    summary >&2
  fi
  if [ -n "$backend_pid" ]; then
    kill -TERM -- "-$backend_pid" 2>/dev/null || true
    wait "$backend_pid" 2>/dev/null || true
  fi
  if [ "${INSTALL_TEST_KEEP:-}" = "1" ]; then
    echo "install-test: kept $TMP"
  else
    rm -rf "$TMP"
  fi
  exit "$status"
}
trap cleanup EXIT

phase() {
  end_phase
  phase_name="$*"
  phase_started=$SECONDS
  printf '\n=== install-test: %s ===\n' "$phase_name"
}
end_phase() {
  if [ -n "$phase_name" ]; then
    timings+=("$(printf '%4ds  %s' $((SECONDS - phase_started)) "$phase_name")")
  fi
  phase_name=""
}
summary() {
  end_phase
  echo
  echo "install-test: phase timings"
  printf '  %s\n' "${timings[@]}"
  printf '  %4ds  total\n' $((SECONDS - started))
}
fail() {
  reported=1
  echo "install-test: FAIL: $*" >&2
  summary >&2
  exit 1
}
# Bounds a step's time: `bounded <seconds> <what> <command...>`.
bounded() {
  local limit=$1 what=$2
  shift 2
  timeout --kill-after=10 "$limit" "$@" || fail "$what (exit $?, limit ${limit}s)"
}

if [ ! -x "$CHROMIUM" ]; then
  fail "$CHROMIUM not found; install Debian's chromium (apt-get install chromium)"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "port $PORT is in use"
fi
# Yarn turns on immutable installs under CI; the created app has no lockfile
# for the added packages yet.
export YARN_ENABLE_IMMUTABLE_INSTALLS=false
export YARN_ENABLE_TELEMETRY=0
export BACKSTAGE_CLI_TELEMETRY=0

# ---------------------------------------------------------------------------
phase "build and pack the five packages"
mkdir -p "$PKGS"
# The packages' .d.ts files come from the repository's type check (dist-types/).
bounded 600 "yarn tsc in this repository" yarn tsc
for dir in "${DIRS[@]}"; do
  (cd "plugins/$dir" && bounded 300 "build of plugins/$dir" yarn backstage-cli package build)
done
for dir in "${DIRS[@]}"; do
  # prepack rewrites the manifest for publishing (publishConfig, exports to
  # dist/), postpack restores it; yarn pack replaces workspace: ranges.
  (cd "plugins/$dir" && bounded 120 "yarn pack of plugins/$dir" yarn pack --out "$PKGS/$dir.tgz" >/dev/null)
done
node - "$PKGS" "${DIRS[@]}" <<'EOF' || fail "a packed package is not publishable"
const { execFileSync } = require('node:child_process');
const [pkgs, ...dirs] = process.argv.slice(2);
let ok = true;
const problem = (dir, message) => {
  console.error(`  ${dir}.tgz: ${message}`);
  ok = false;
};
for (const dir of dirs) {
  const tgz = `${pkgs}/${dir}.tgz`;
  const files = execFileSync('tar', ['-tzf', tgz], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(f => f.replace(/^package\//, ''));
  const manifest = JSON.parse(
    execFileSync('tar', ['-xzOf', tgz, 'package/package.json'], {
      encoding: 'utf8',
    }),
  );
  const text = JSON.stringify(manifest);
  if (text.includes('workspace:')) problem(dir, 'a workspace: range is left');
  if (manifest.private) problem(dir, 'private');
  for (const field of ['main', 'types', 'module']) {
    const target = manifest[field]?.replace(/^\.\//, '');
    if (field !== 'module' && !target) problem(dir, `no ${field}`);
    if (target && !files.includes(target))
      problem(dir, `${field} ${target} is not in the tarball`);
  }
  // Every file an export condition names is in the tarball.
  const targets = (value, key) =>
    key === 'backstage'
      ? []
      : typeof value === 'string'
      ? [value]
      : Object.entries(value ?? {}).flatMap(([k, v]) => targets(v, k));
  for (const target of targets(manifest.exports)) {
    const file = target.replace(/^\.\//, '');
    if (/^src\//.test(file)) problem(dir, `export ${file} points into src/`);
    else if (!files.includes(file)) problem(dir, `export ${file} is not in the tarball`);
  }
  if ((manifest.dependencies ?? {})['@backstage/backend-defaults'])
    problem(dir, 'depends on @backstage/backend-defaults at run time');
  const own = Object.entries(manifest.dependencies ?? {}).filter(([name]) =>
    name.startsWith('@backstage-self-service/'),
  );
  console.log(
    `  ${manifest.name}@${manifest.version}: ${files.length} files, main ${manifest.main}` +
      (own.length ? `, ${own.map(([n, r]) => `${n}@${r}`).join(', ')}` : ''),
  );
}
if (!ok) process.exit(1);
EOF

# ---------------------------------------------------------------------------
phase "create the app (@backstage/create-app@$CREATE_APP_VERSION) and add the plugins"
# The app's name is asked on stdin.
echo "install-test-app" |
  bounded 300 "create-app" npx -y "@backstage/create-app@$CREATE_APP_VERSION" --path "$APP" --skip-install
cd "$APP"
grep -qE '^\s+packages: all' app-config.yaml ||
  fail "the created app does not use feature discovery (app.packages: all)"
# The packages are not on the registry (that is what this tests): the
# plugins' ranges on each other, and the ones the README's `yarn add` writes,
# resolve to the packed tarballs. The same resolutions as this repository
# around registry gaps, and its switched-off install scripts of packages
# nothing here uses (see README.md, "Repository layout").
node - "$REPO_ROOT/package.json" "$PKGS" <<'EOF'
const fs = require('node:fs');
const [repoManifest, pkgs] = process.argv.slice(2);
const repo = JSON.parse(fs.readFileSync(repoManifest, 'utf8'));
const app = JSON.parse(fs.readFileSync('package.json', 'utf8'));
app.resolutions = { ...repo.resolutions, ...app.resolutions };
for (const dir of ['self-service-common', 'self-service-node', 'self-service', 'self-service-backend', 'catalog-backend-module-self-service'])
  app.resolutions[`@backstage-self-service/plugin-${dir}`] = `file:${pkgs}/${dir}.tgz`;
app.dependenciesMeta = { ...repo.dependenciesMeta, ...app.dependenciesMeta };
fs.writeFileSync('package.json', `${JSON.stringify(app, null, 2)}\n`);
EOF
# create-app seeds yarn.lock from Backstage's repository, which is out of
# reach here; this repository's lockfile is a seed of the same Backstage
# release (entries the app does not use are dropped by the install).
cp "$REPO_ROOT/yarn.lock" yarn.lock
echo "  resolutions: $(node -p 'JSON.stringify(require("./package.json").resolutions)')"

# ---------------------------------------------------------------------------
phase "install: yarn --cwd packages/backend add, yarn --cwd packages/app add (README)"
# README.md: `yarn --cwd packages/backend add @backstage-self-service/plugin-self-service-backend`;
# with the version the registry would pick, which the resolutions send to the tarballs.
bounded 900 "yarn add of the backend plugin" \
  yarn --cwd packages/backend add "@backstage-self-service/plugin-self-service-backend@^0.1.0"
bounded 600 "yarn add of the catalog module" \
  yarn --cwd packages/backend add "@backstage-self-service/plugin-catalog-backend-module-self-service@^0.1.0"
bounded 600 "yarn add of the frontend plugin" \
  yarn --cwd packages/app add "@backstage-self-service/plugin-self-service@^0.1.0"
# The README's backend lines, before backend.start().
for line in \
  "backend.add(import('@backstage-self-service/plugin-self-service-backend'));" \
  "backend.add(import('@backstage-self-service/plugin-catalog-backend-module-self-service'));"; do
  sed -i "s|^backend.start();|${line}\n\nbackend.start();|" packages/backend/src/index.ts
  grep -qF "$line" packages/backend/src/index.ts || fail "could not add the backend line $line"
done
bounded 600 "yarn install" yarn install
# No frontend code: the app's source does not name the plugin.
if grep -rq self-service packages/app/src; then fail "the app's frontend code names the plugin"; fi

copies="$(find . -path '*/node_modules/@backstage/backend-defaults/package.json' | sort)"
echo "  @backstage/backend-defaults copies:"
sed 's/^/    /' <<<"$copies"
[ "$(wc -l <<<"$copies")" = "1" ] || fail "more than one copy of @backstage/backend-defaults"
for name in plugin-self-service-common plugin-self-service-node; do
  found="$(find . -path "*/node_modules/@backstage-self-service/$name/package.json" | wc -l)"
  [ "$found" = "1" ] || fail "$found copies of @backstage-self-service/$name"
done

# ---------------------------------------------------------------------------
phase "type check the app (yarn tsc)"
bounded 600 "yarn tsc" yarn tsc

# ---------------------------------------------------------------------------
phase "build the frontend (yarn --cwd packages/app build)"
cat >"$TMP/app-config.install-test.yaml" <<EOF
app:
  baseUrl: http://localhost:$PORT
backend:
  baseUrl: http://localhost:$PORT
  listen:
    host: 127.0.0.1
    port: $PORT
  cors:
    origin: http://localhost:$PORT
  database:
    client: better-sqlite3
    connection: ':memory:'
auth:
  providers:
    guest:
      dangerouslyAllowOutsideDevelopment: true
EOF
# Its list of every chunk is left out.
bounded 900 "frontend build" \
  yarn --cwd packages/app build --config ../../app-config.yaml --config "$TMP/app-config.install-test.yaml" |
  { grep -v '^ .* dist/static/' || true; }
test -f packages/app/dist/index.html || fail "the frontend build made no dist/index.html"

# ---------------------------------------------------------------------------
phase "start the backend on 127.0.0.1:$PORT"
# A process group of its own, so everything it starts stops with it.
(cd packages/backend &&
  exec setsid yarn start --config ../../app-config.yaml --config "$TMP/app-config.install-test.yaml") >"$LOG" 2>&1 &
backend_pid=$!
deadline=$((SECONDS + 300))
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/self-service/health"; do
  if [ $SECONDS -gt $deadline ] || ! kill -0 "$backend_pid" 2>/dev/null; then
    tail -n 80 "$LOG" >&2
    fail "GET /api/self-service/health did not answer"
  fi
  sleep 2
done
echo "  GET /api/self-service/health: $(curl -sf "http://127.0.0.1:$PORT/api/self-service/health")"
# The page is read whole before it is searched: with pipefail, `curl | grep
# -q` fails whenever grep stops reading before curl has written everything.
# The app plugin may also mount the frontend a moment after another plugin
# answers, so this waits a little.
served_frontend() {
  local page
  page="$(curl -sf "http://127.0.0.1:$PORT/")" && [[ "$page" == *'<div id="root">'* ]]
}
frontend_wait=$SECONDS
deadline=$((SECONDS + 60))
until served_frontend; do
  if [ $SECONDS -gt $deadline ]; then
    echo "  GET /: $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/")" >&2
    tail -n 40 "$LOG" >&2
    fail "the backend does not serve the built frontend at /"
  fi
  sleep 1
done
echo "  GET /: the built frontend, $((SECONDS - frontend_wait)) s after the health check answered"

# ---------------------------------------------------------------------------
phase "headless Chromium: guest sign-in, Self-Service page and nav item, entity Workflows tab"
cd "$REPO_ROOT"
if ! CHROMIUM="$CHROMIUM" APP_URL="http://localhost:$PORT" \
  timeout --kill-after=10 300 node scripts/lib/installTestBrowser.cjs; then
  echo "install-test: the backend's log ends with:" >&2
  tail -n 40 "$LOG" >&2
  fail "the browser check"
fi

summary
echo "install-test: PASS"
