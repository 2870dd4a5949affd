#!/usr/bin/env bash
# Runs the app locally: frontend on http://localhost:3000, backend on
# http://localhost:7007, SQLite in memory, guest sign-in, example data loaded.
set -euo pipefail
source "$(dirname "$0")/toolchain.sh"
cd "$REPO_ROOT"
exec yarn start "$@"
