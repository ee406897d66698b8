#!/usr/bin/env bash
# The client's cost per request, harbor-client against the raw reqwest loop, counted rather
# than timed (issue 21, item 3): `client_load` under cachegrind (simulated caches and branch
# predictor), N1 and N2 `GET /projects/library` per run, so that (count(N2) - count(N1)) /
# (N2 - N1) is the cost of one request without the process's start and end. Every figure
# is the same from one run to the next (to a few parts in a thousand at concurrency 64,
# where the threads' interleaving varies), unlike CPU time on a shared 2-core VM, where the
# raw loop measured against itself differs by up to 20% (`bash bench/client_cpu.sh`, the
# "raw loop again" rows).
#
# Per request: instructions, L1 instruction and data misses, last-level misses, mispredicted
# branches, and the cycle estimate BENCHMARKS.md section 2 uses (KCachegrind's):
#   cycles ~ Ir + 10 x (I1 misses + D1 misses + mispredicts) + 100 x LL misses
# The weights are an estimate of what a miss costs; the raw counts are printed beside it.
# This is the script form of section 2's hand runs ("The copies"), at both concurrencies.
#
#   bash bench/client_cost.sh [N1] [N2]        (default 1000 and 3000)
set -euo pipefail
cd "$(dirname "$0")/.."
n1=${1:-1000}
n2=${2:-3000}
port=${PORT:-18083}
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }
source bench/loopback_sim.sh
out=$scratch
counts() { # client concurrency requests -> "Ir I1mr ILmr Dr D1mr DLmr Dw D1mw DLmw Bc Bcm Bi Bim"
  valgrind --tool=cachegrind --cache-sim=yes --branch-sim=yes \
    --cachegrind-out-file="$out/cg.out" "$bin"/client_load --url "$url" --client "$1" \
    --requests "$3" --concurrency "$2" >/dev/null 2>&1
  awk '/^summary:/ {$1 = ""; print; exit}' "$out/cg.out"
}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$out/results"
for concurrency in 1 64; do
  for client in harbor-client reqwest; do
    echo "$client $concurrency $(counts "$client" "$concurrency" "$n1") / $(counts "$client" "$concurrency" "$n2")" |
      tee -a "$results"
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" "$n1" "$n2" <<'PY'
import sys
path, n1, n2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = {}
for line in open(path):
    head, second = line.split(" / ")
    client, conc, *first = head.split()
    a, b = [int(x) for x in first], [int(x) for x in second.split()]
    ir, i1, il, dr, d1r, dlr, dw, d1w, dlw, bc, bcm, bi, bim = [(y - x) / (n2 - n1) for x, y in zip(a, b)]
    d1, ll, bm = d1r + d1w, il + dlr + dlw, bcm + bim
    est = ir + 10 * (i1 + d1 + bm) + 100 * ll
    rows[(client, conc)] = (ir, i1, d1, ll, bm, est)
names = ("instructions", "I1 misses", "D1 misses", "LL misses", "mispredicts", "cycles (est.)")
print("| concurrency | per request | harbor-client | raw loop | ratio |")
print("|---|---|---|---|---|")
for conc in ("1", "64"):
    h, r = rows[("harbor-client", conc)], rows[("reqwest", conc)]
    for name, x, y in zip(names, h, r):
        # A ratio of near-zero counts (last-level misses at concurrency 1) says nothing.
        ratio = f"{x / y:.3f}" if y >= 10 else "-"
        print(f"| {conc} | {name} | {x:,.0f} | {y:,.0f} | {ratio} |")
PY
