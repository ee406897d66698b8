#!/usr/bin/env bash
# Builds harbor-sim, starts a fresh one on loopback, installs Python harborapi (unchanged) into
# a virtualenv (install.sh, at the release clients.env names) and runs every method of its
# HarborAsyncClient against the simulator.
#
#   bash harbor-sim/compat/run.sh                 # venv in target/compat-venv
#   VENV=/path/to/venv PORT=18111 bash harbor-sim/compat/run.sh
#   HARBORAPI=/path/to/harborapi.whl bash harbor-sim/compat/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# The virtualenv `cargo test` also finds (harbor-sim/tests/third_party_clients.rs).
export VENV=${VENV:-target/compat-venv}
PORT=${PORT:-18111}

bash harbor-sim/compat/install.sh python

cargo build -q -p harbor-sim --release
RUST_LOG=warn target/release/harbor-sim --port "$PORT" &
SIM=$!
trap 'kill $SIM' EXIT
for _ in $(seq 50); do
  curl -sf "http://127.0.0.1:$PORT/api/v2.0/ping" >/dev/null && break
  sleep 0.1
done
"$VENV/bin/python" harbor-sim/compat/harborapi_every_method.py --url "http://127.0.0.1:$PORT" "$@"
