#!/usr/bin/env bash
# Runs two more third-party Harbor clients, unchanged, against fresh harbor-sims with the demo
# data: `harbor-api-client` from PyPI (generated from Harbor's spec; every operation) and
# `@hapic/harbor` from npm (hand-written TypeScript; every method). `cargo test` runs the same
# scripts (harbor-sim/tests/third_party_clients.rs) when the clients are installed where this
# script installs them.
#
#   bash harbor-sim/compat/run_others.sh                # venv and node_modules under target/
#   VENV=/path NODE_DIR=/path PORT=18112 bash harbor-sim/compat/run_others.sh
#
# @hapic/harbor 3.0.2 names `hapic@^3.0.2` as a peer, which the registry does not have (its
# newest is 3.0.1): it is installed beside 3.0.1 with --legacy-peer-deps.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=${VENV:-target/compat-venv}
NODE_DIR=${NODE_DIR:-target/compat-node}
PORT=${PORT:-18112}
HARBOR_CLIENT=${HARBOR_CLIENT:-harbor-api-client==2.12.2}

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/pip" install -q "$HARBOR_CLIENT"
mkdir -p "$NODE_DIR"
[ -d "$NODE_DIR/node_modules/@hapic/harbor" ] ||
  (cd "$NODE_DIR" && npm install --no-audit --no-fund --legacy-peer-deps @hapic/harbor@3.0.2 hapic@3.0.1 >/dev/null)

cargo build -q -p harbor-sim --release
SIM=
start() {
  RUST_LOG=warn target/release/harbor-sim --port "$PORT" &
  SIM=$!
  for _ in $(seq 50); do
    curl -sf "http://127.0.0.1:$PORT/api/v2.0/ping" >/dev/null && return
    sleep 0.1
  done
}
trap '[ -n "$SIM" ] && kill $SIM' EXIT
status=0
start
"$VENV/bin/python" harbor-sim/compat/harbor_client_every_operation.py --url "http://127.0.0.1:$PORT" "$@" || status=1
kill $SIM; wait $SIM 2>/dev/null || true
start
NODE_PATH="$NODE_DIR/node_modules" node harbor-sim/compat/hapic_every_method.mjs --url "http://127.0.0.1:$PORT" || status=1
exit $status
