#!/usr/bin/env bash
# Instructions per call of one case (default (a), success on the first try) for every
# contender, counted by callgrind: (Ir with N calls - Ir with 0 calls) / N. Stable on a noisy
# machine.
#
#   bash bench/callgrind.sh [N] [case]    # case: a_first_try (default), b_one_failure,
#                                         # c_ten_failures, d_timed_with_hook
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
case=${2:-a_first_try}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
cargo build -q -p retry-bench --release --bin callgrind_case
bin=target/release/callgrind_case
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ir() { # contender mode count
  valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" "$bin" "$1" "$2" "$3" "$case" >/dev/null 2>&1
  awk '/^(summary|totals):/ {print $2; exit}' "$out/cg.out"
}
echo "case $case, N = $n"
echo
echo "| contender | mode | instructions per call |"
echo "|---|---|---|"
for mode in blocking async; do
  for c in plain hand_loop retry_attr backon tokio_retry2 backoff; do
    [ "$mode" = blocking ] && [ "$c" = tokio_retry2 ] && continue
    [ "$c" = plain ] && [ "$case" != a_first_try ] && [ "$case" != d_timed_with_hook ] && continue
    case "$c" in backon|tokio_retry2|backoff) [ "$case" = d_timed_with_hook ] && continue ;; esac
    base=$(ir "$c" "$mode" 0)
    full=$(ir "$c" "$mode" "$n")
    awk -v a="$full" -v b="$base" -v n="$n" -v c="$c" -v m="$mode" 'BEGIN { printf "| %s | %s | %.1f |\n", c, m, (a - b) / n }'
  done
done
