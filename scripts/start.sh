#!/usr/bin/env bash
# Runs the app locally: frontend on http://localhost:3000, backend on
# http://localhost:7007, SQLite in memory, the example organisation and
# workflows loaded, sign-in as guest or any example user, and the example
# external system (examples/external-system/server.js) on port 7008 that the
# example workflows send their requests to and that reports progress back.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"

node examples/external-system/server.js &
external_system=$!
trap 'kill "$external_system" 2>/dev/null || true' EXIT INT TERM

yarn start "$@"
