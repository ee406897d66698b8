#!/usr/bin/env bash
# Client CPU per request, harbor-client against the raw reqwest loop (issue 21, item 3: within
# 1.05x, median of 3 interleaved runs, concurrency 1 and 64). One harbor-sim binary on
# loopback, no faults; `client_load` (bench/src/bin/client_load.rs) runs N `GET
# /projects/library` with each client in turn, ROUNDS times, the two clients alternating so
# that a change in the machine's load falls on both. Prints every run's `cpu_ms` (the client
# process's own CPU time) and, per concurrency, the medians and their ratio. The raw loop runs
# twice per round, and the ratio of its two medians (A/A) shows what this measure can resolve
# on the machine; `bash bench/client_cost.sh` counts the same requests under cachegrind.
#
#   bash bench/client_cpu.sh [N] [ROUNDS]        (default 10000 requests, 3 rounds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000}
rounds=${2:-3}
port=${PORT:-18081}
source bench/loopback_sim.sh

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results=$scratch/results
for concurrency in 1 64; do
  for round in $(seq 1 "$rounds"); do
    # The raw loop runs twice per round: the second run against the first is the noise floor
    # of this measure (an A/A test), to read the harbor-client ratio against.
    for client in harbor-client reqwest reqwest-again; do
      line=$("$bin"/client_load --url "$url" --client "${client%-again}" --requests "$n" \
        --concurrency "$concurrency")
      [ "$client" = reqwest-again ] && line=${line/client=reqwest/client=reqwest-again}
      echo "round $round: $line"
      echo "$line" >>"$results"
    done
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import statistics, sys
runs = [dict(p.split("=", 1) for p in line.split()) for line in open(sys.argv[1])]
for c in sorted({r["concurrency"] for r in runs}, key=int):
    med = {
        k: statistics.median(float(r["cpu_ms"]) for r in runs if r["client"] == k and r["concurrency"] == c)
        for k in ("harbor-client", "reqwest", "reqwest-again")
    }
    print(f"concurrency {c}: median cpu_ms harbor-client {med['harbor-client']:.1f}, "
          f"reqwest {med['reqwest']:.1f}, ratio {med['harbor-client'] / med['reqwest']:.3f}; "
          f"reqwest again {med['reqwest-again']:.1f}, "
          f"A/A ratio {med['reqwest-again'] / med['reqwest']:.3f}")
PY
