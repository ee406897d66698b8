#!/usr/bin/env bash
# Build cost of harbor-client (203 #[retry] methods), issue 6 section 3:
# the crate alone rebuilt in debug and release (its dependencies already built), with
# cargo's --timings report, then the time the #[retry] expansion itself takes on the
# generated methods (bench/src/bin/expand_cost.rs).
#
#   bash bench/build_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
seconds() { local start=$(date +%s.%N); "$@" >/dev/null 2>&1; echo "$(date +%s.%N) - $start" | bc; }
echo "rustc: $(rustc --version)"
for profile in dev release; do
  flag=""; [ "$profile" = release ] && flag="--release"
  cargo build -q -p harbor-client $flag            # dependencies, once
  cargo clean -q -p harbor-client $flag
  t=$(seconds cargo build -p harbor-client $flag --timings)
  echo "harbor-client alone, $profile: ${t}s (report: target/cargo-timings/cargo-timing.html)"
done
cargo build -q -p retry-bench --release --bin expand_cost
target/release/expand_cost harbor-client/src/generated/methods
