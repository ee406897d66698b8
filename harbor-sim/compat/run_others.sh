#!/usr/bin/env bash
# Runs two more third-party Harbor clients, unchanged, against fresh harbor-sims with the demo
# data: `harbor-api-client` from PyPI (generated from Harbor's spec; every operation) and
# `@hapic/harbor` from npm (hand-written TypeScript; every method). `cargo test` runs the same
# scripts (harbor-sim/tests/third_party_clients.rs) when the clients are installed where this
# script installs them (install.sh, at the releases clients.env names).
#
#   bash harbor-sim/compat/run_others.sh                # venv and node_modules under target/
#   VENV=/path NODE_DIR=/path PORT=18112 bash harbor-sim/compat/run_others.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
export VENV=${VENV:-target/compat-venv}
export NODE_DIR=${NODE_DIR:-target/compat-node}
PORT=${PORT:-18112}

bash harbor-sim/compat/install.sh

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
