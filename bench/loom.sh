#!/usr/bin/env bash
# Model-checks the shared handles' state machines with loom (issue 22), as tokio checks its
# primitives: the circuit breaker (tests/loom_breaker.rs), the adaptive limiter
# (tests/loom_limiter.rs) and the latency tracker
# (tests/loom_latency.rs), built with `--cfg loom` so that `retry-runtime/src/sync.rs` swaps in
# loom's Arc, Mutex, RwLock and atomics. Release mode; each model runs in seconds.
#
#   bash bench/loom.sh                          # LOOM_MAX_PREEMPTIONS=2
#   LOOM_MAX_PREEMPTIONS=3 bash bench/loom.sh   # deeper, slower
set -euo pipefail
cd "$(dirname "$0")/.."
export RUSTFLAGS="--cfg loom ${RUSTFLAGS:-}"
export LOOM_MAX_PREEMPTIONS="${LOOM_MAX_PREEMPTIONS:-2}"
start=$(date +%s.%N)
cargo test -p retry-runtime --release --test loom_limiter --test loom_latency --test loom_breaker -- --test-threads=1 "$@"
echo "loom (LOOM_MAX_PREEMPTIONS=$LOOM_MAX_PREEMPTIONS): $(echo "$(date +%s.%N) - $start" | bc) s"
