#!/usr/bin/env bash
# Client CPU per request, harbor-client against the raw reqwest loop (issue 21, item 3: within
# 1.05x, median of 3 interleaved runs, concurrency 1 and 64). One harbor-sim binary on
# loopback, no faults; `client_load` (bench/src/bin/client_load.rs) runs N `GET
# /projects/library` with each client in turn, ROUNDS times, the clients alternating (and
# taking turns at going first) so that a change in the machine's load falls on both. Prints
# every run's `cpu_ms` (the client process's own CPU time) and, per concurrency, the medians,
# their ratio and its 90% interval (bootstrap). The raw loop runs twice per round, and the
# ratio of its two medians (A/A) shows what this measure can resolve on the machine: with 30
# rounds its interval is still about +-5% (BENCHMARKS.md, section 2); `bash
# bench/client_cost.sh` counts the same requests under cachegrind instead.
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
    # of this measure (an A/A test), to read the harbor-client ratio against. The three runs
    # take turns at going first, second and third (round 1: harbor-client first, round 2:
    # reqwest, round 3: reqwest-again, ...), so a run's place in the round (the first after
    # the previous round's, the machine's state after it) falls on each client alike.
    order=(harbor-client reqwest reqwest-again)
    shift_by=$(((round - 1) % 3))
    for client in "${order[@]:shift_by}" "${order[@]:0:shift_by}"; do
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
import random, statistics, sys
runs = [dict(p.split("=", 1) for p in line.split()) for line in open(sys.argv[1])]
# A 90% interval for each ratio of medians: the runs of each client resampled with
# replacement, 2,000 times, with a fixed seed (a printed interval is the same for the same runs).
rng = random.Random(21)
def ratio_interval(top, bottom):
    ratios = sorted(
        statistics.median(rng.choices(top, k=len(top)))
        / statistics.median(rng.choices(bottom, k=len(bottom)))
        for _ in range(2000)
    )
    return f"[{ratios[100]:.3f}, {ratios[1899]:.3f}]"
for c in sorted({r["concurrency"] for r in runs}, key=int):
    cpu = {
        k: [float(r["cpu_ms"]) for r in runs if r["client"] == k and r["concurrency"] == c]
        for k in ("harbor-client", "reqwest", "reqwest-again")
    }
    med = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"concurrency {c}: median cpu_ms harbor-client {med['harbor-client']:.1f}, "
          f"reqwest {med['reqwest']:.1f}, ratio {med['harbor-client'] / med['reqwest']:.3f} "
          f"(90%: {ratio_interval(cpu['harbor-client'], cpu['reqwest'])}); "
          f"reqwest again {med['reqwest-again']:.1f}, "
          f"A/A ratio {med['reqwest-again'] / med['reqwest']:.3f} "
          f"(90%: {ratio_interval(cpu['reqwest-again'], cpu['reqwest'])})")
PY
