#!/usr/bin/env bash
# The client benchmark (issue 6, section 2): one harbor-sim binary on loopback; against it,
# in turn, harbor-client, a raw reqwest loop and Python harborapi, each doing N
# `GET /projects/library` at concurrency 1 and 64, without faults and with 10% injected 503s.
# Prints one Markdown row per run; the simulator's own count of requests received is the
# "server saw" column, "client CPU" the client process's own CPU time per request (less
# disturbed by other work on the machine than req/s), "waited" the backoff waits the retry
# policy chose, summed (at concurrency 1 they alone bound req/s).
#
#   bash bench/client_bench.sh [N]        (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-20000}
port=${PORT:-18080}
venv=${VENV:-.venv}

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q harborapi
fi
source bench/loopback_sim.sh

server_saw() {
  curl -sf "$url/_sim/counters/getProject" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("received", "?"))'
}

echo "| faults | client | concurrency | requests | ok | attempts (client) | server saw | req/s | p50 ms | p99 ms | peak RSS MiB | client CPU µs/req | waited s |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
for faults in none 503x10%; do
  for concurrency in 1 64; do
    for client in harbor-client reqwest harborapi; do
      curl -sf -X DELETE "$url/_sim/faults" >/dev/null
      if [ "$faults" != none ]; then
        curl -sf -X POST "$url/_sim/faults" -H 'content-type: application/json' \
          -d '{"operation":"getProject","fault":{"kind":"status","status":503},"fraction":0.1,"seed":7}' >/dev/null
      fi
      curl -sf -X DELETE "$url/_sim/counters" >/dev/null
      if [ "$client" = harborapi ]; then
        line=$("$venv/bin/python" bench/harborapi_load.py --url "$url" --requests "$n" --concurrency "$concurrency")
      else
        line=$("$bin"/client_load --url "$url" --client "$client" --requests "$n" --concurrency "$concurrency")
      fi
      saw=$(server_saw)
      echo "$line" | python3 bench/format_row.py "$faults" "$saw"
    done
  done
done
