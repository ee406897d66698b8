#!/usr/bin/env bash
# The hedging benchmark (issue 14, item 4): `bench/src/bin/hedge_load.rs` in release, once per
# row, each run with its own in-process harbor-sim whose `getProject` answers are held back
# 200 ms on a seeded 5% (seed 7, so every row meets the same fault sequence), 10,000 calls at
# concurrency 16 after 2,000 warm-up calls without faults (whose p95 is the hedge delay).
# Each round runs every mode once, in turn, after a baseline without faults (the machine's own
# latency spread); rounds repeat the comparison on a noisy machine. Prints the load average,
# then one Markdown row per run.
#
# LATENCY_MS and JITTER_MS give the simulator a service time (every answer takes at least
# LATENCY_MS, plus a seeded uniform draw up to JITTER_MS), as a real Harbor's requests do;
# both default to 0 (answers as fast as loopback allows).
#
#   bash bench/hedging.sh [CALLS] [ROUNDS]        (default 10000 calls, 3 rounds)
#   LATENCY_MS=5 JITTER_MS=2 bash bench/hedging.sh
#   MODES="hedge auto-hedge" FRACTION=1 bash bench/hedging.sh    (every answer slow: the cap)
#
# `auto-hedge` is the client's self-tuning delay (`hedge_reads_auto(true)`, no delay given);
# the last column gives the hedges it sent in the measured phase and those its cap refused.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${CARGO_TARGET_DIR:-target}/release
calls=${1:-10000}
rounds=${2:-3}
modes=${MODES:-"no-hedge hedge auto-hedge tower-hedge"}
service=(--latency-ms "${LATENCY_MS:-0}" --jitter-ms "${JITTER_MS:-0}")
fraction=(--fraction "${FRACTION:-0.05}")

cargo build -q --release -p retry-bench --bin hedge_load
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| round | service ms | faults | mode | calls | ok | hedge delay ms | p50 ms | p99 ms | p99.9 ms | max ms | p99 / p50 | server saw | requests per call | delayed answers | hedges sent / refused by the cap |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for round in $(seq 1 "$rounds"); do
  "$bin"/hedge_load --mode no-hedge --fraction 0 --calls "$calls" --concurrency 16 "${service[@]}" \
    | python3 bench/format_hedge_row.py "$round"
  for mode in $modes; do
    "$bin"/hedge_load --mode "$mode" --calls "$calls" --concurrency 16 "${service[@]}" "${fraction[@]}" \
      | python3 bench/format_hedge_row.py "$round"
  done
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
