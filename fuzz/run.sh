#!/usr/bin/env bash
# Runs every fuzz target for a bounded time (default 60 s each): ./fuzz/run.sh [seconds] [target...]
# Needs cargo-fuzz (`cargo install cargo-fuzz`). The project builds with stable Rust only;
# cargo-fuzz needs nightly flags (-Zsanitizer), which RUSTC_BOOTSTRAP=1 unlocks on stable.
# Not part of CI. A crash leaves its input in fuzz/artifacts/<target>/: turn it into a test in
# tests/tests/parser_props.rs (crash_regressions), fix it, then run again.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    targets=(link_header retry_after error_body retry_args)
fi
export RUSTC_BOOTSTRAP=1
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "== $target (${seconds}s)"
    cargo fuzz run "$target" "corpus/$target" -- -max_total_time="$seconds" -print_final_stats=1 2>&1 |
        grep -E "stat::number_of_executed_units|stat::peak_rss_mb|SUMMARY|ERROR|panicked|Done" || true
done
