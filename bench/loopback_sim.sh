# Sourced by the client benchmarks (client_bench.sh, client_cpu.sh, client_cost.sh): builds
# the release harbor-sim and client_load, starts the simulator on 127.0.0.1:$port (stopped
# when the sourcing script exits) and waits until it answers.
#   needs: port          sets: bin (the release directory), url, sim (the simulator's pid),
#                        scratch (a temporary directory for the script, removed when it exits)
bin=${CARGO_TARGET_DIR:-target}/release
url="http://127.0.0.1:$port"
cargo build -q --release -p harbor-sim --bin harbor-sim
cargo build -q --release -p retry-bench --bin client_load
# The simulator logs every request at `info` by default; the benches discard that output, and
# formatting it cost ~5 us of server CPU per request (about a tenth of a serial round trip,
# the same for every client): warnings only unless SIM_LOG says otherwise.
RUST_LOG=${SIM_LOG:-warn} "$bin"/harbor-sim --port "$port" >/dev/null 2>&1 &
sim=$!
scratch=$(mktemp -d)
trap 'kill $sim 2>/dev/null || true; rm -rf "$scratch"' EXIT
for _ in $(seq 1 100); do
  curl -sf "$url/api/v2.0/ping" >/dev/null && break
  sleep 0.1
done
