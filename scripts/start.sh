#!/usr/bin/env bash
# Runs the app locally: frontend on http://localhost:3000, backend on
# http://localhost:7007, SQLite in memory, the example organisation and
# workflows loaded, sign-in as guest or any example user, and the example
# external system (examples/external-system/server.js) on port 7008 that the
# example workflows send their requests to and that reports progress back.
#
#   scripts/start.sh          the legacy-frontend-system app (packages/app) on :3000
#   scripts/start.sh --next   the new-frontend-system app (packages/app-next) on
#                             :3001 instead, with the same backend and external system
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

node examples/external-system/server.js &
external_system=$!
trap 'kill "$external_system" 2>/dev/null || true' EXIT INT TERM

if [ "${1:-}" = "--next" ]; then
  shift
  # backstage-cli repo start takes the packages to start; without any it
  # starts packages/app and packages/backend.
  set -- app-next backend "$@"
fi
yarn start "$@"
