#!/usr/bin/env bash
# The resilience benchmark (issue 22, "Targets": rate limit and outage): `bench/src/bin/resilience.rs`
# in release, one process per row, each with its own in-process harbor-sim, every scenario with
# the feature and without it. Real time (the simulator on its own multi-thread runtime); the
# whole script takes about 8-10 minutes per round.
#
#   bash bench/resilience.sh [ROUNDS]                 (default 1 round)
#   ONLY="outage recovery" bash bench/resilience.sh   (a subset: rate-limit partitions outage recovery)
#   RAW=target/resilience-raw.txt bash bench/resilience.sh   (only format the lines of an earlier run)
#
# Prints the load average, one Markdown table per scenario, then the raw `key=value` lines
# (also kept in target/resilience-raw.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1}
only=${ONLY:-"rate-limit partitions outage recovery"}
bin=${CARGO_TARGET_DIR:-target}/release/resilience

raw=${RAW:-}
if [[ -z $raw ]]; then
cargo build -q --release -p retry-bench --bin resilience
raw=${CARGO_TARGET_DIR:-target}/resilience-raw.txt
: >"$raw"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git rev-parse --short HEAD), $(date -u '+%Y-%m-%d %H:%M UTC')"
for round in $(seq 1 "$rounds"); do
  for scenario in $only; do
    case $scenario in
      rate-limit) for f in on off; do echo "round=$round $("$bin" rate-limit --limiter $f)" >>"$raw"; done ;;
      partitions) for f in per-op global none; do echo "round=$round $("$bin" partitions --limiter $f)" >>"$raw"; done ;;
      outage) for f in on off; do echo "round=$round $("$bin" outage --breaker $f)" >>"$raw"; done ;;
      recovery) for f in on off; do echo "round=$round $("$bin" recovery --breaker $f)" >>"$raw"; done ;;
      *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
fi

python3 - "$raw" <<'EOF'
import sys

rows = [dict(p.split("=", 1) for p in line.split() if "=" in p) for line in open(sys.argv[1]) if line.strip()]

def s(value):
    return value if value in ("never", "-") else value + " s"

def table(mode, header, cells):
    chosen = [r for r in rows if r["mode"] == mode]
    if not chosen:
        return
    print()
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for r in chosen:
        load = r["load_before"].split(",")[0] + " -> " + r["load_after"].split(",")[0]
        print("| " + " | ".join([r["round"]] + cells(r) + [load]) + " |")

table("rate-limit",
      ["round", "limiter", "calls ok", "requests", "429 share", "phase 1 s", "limiter's first rate (at s)",
       "5 s send rate in 40-55 from", "send rate from 10 s (accepted)", "5 s rate min-max from 10 s",
       "after raise to 200: 1 s rate >= 150", "5 s rate >= 150", "5 s rate at end (accepted)",
       "429 share after raise", "load 1 min"],
      lambda r: [r["limiter"], f"{r['ok']} / {r['calls']}", r["requests"], r["throttled_pct"] + "%",
                 r["seconds"],
                 f"{r['first_limiter_rate']} ({r['first_limiter_rate_at_s']})" if r["limiter"] == "on" else "-",
                 s(r["settle_s"]),
                 f"{r['steady_rate']} ({r['steady_accepted']})",
                 f"{r['rate5_min']}-{r['rate5_max']}",
                 s(r["to_target_1s_s"]), s(r["to_target_5s_s"]),
                 f"{r['raise_rate5']} ({r['raise_accepted5']})", r["raise_throttled_pct"] + "%"])

table("partitions",
      ["round", "limiter", "getRepository alone p50 / p99 ms", "beside throttled getProject p50 / p99 ms",
       "p50 ratio", "p50 ratio, second halves", "getProject ok / failed", "getProject 429 share",
       "limiter rate getProject / getRepository", "load 1 min"],
      lambda r: [r["limiter"], f"{r['alone_p50_ms']} / {r['alone_p99_ms']}",
                 f"{r['beside_p50_ms']} / {r['beside_p99_ms']}", r["p50_ratio"], r["late_p50_ratio"],
                 f"{r['neighbour_ok']} / {r['neighbour_failed']}", r["neighbour_throttled_pct"] + "%",
                 f"{r['limiter_rate_getProject']} / {r['limiter_rate_getRepository']}"])

table("outage",
      ["round", "breaker", "opened at s", "calls / requests until open", "requests after open until clear",
       "requests per open window", "refused calls", "refused p50 / p99 / max us",
       "calls that sent, p50 / p99 ms", "closed after clear", "first ok after clear",
       "other op ok / failed during outage", "load 1 min"],
      lambda r: [r["breaker"], r.get("open_at_s", "-"),
                 f"{r['calls_until_open']} / {r['requests_until_open']}" if "calls_until_open" in r else "-",
                 str(int(r["requests_before_clear"]) - int(r["requests_until_open"])) if "requests_until_open" in r
                 else r["requests_before_clear"] + " (all)",
                 r.get("requests_per_window", "-") or "-", r["refused"],
                 f"{r['refused_p50_us']} / {r['refused_p99_us']} / {r['refused_max_us']}",
                 f"{r['sent_calls_before_clear']}: {r['sent_call_p50_ms']} / {r['sent_call_p99_ms']}",
                 s(r.get("close_after_clear_s", "-")),
                 s(r["first_ok_after_clear_s"]),
                 f"{r['other_ok_before_clear']} / {r['other_failed_before_clear']}"])

table("recovery",
      ["round", "breaker", "calls", "ok / failed / refused", "requests", "requests per call",
       "outage: calls / requests / per call", "healthy: calls / requests", "first ok after clear",
       "slowest call s", "load 1 min"],
      lambda r: [r["breaker"], r["calls"], f"{r['ok']} / {r['failed']} / {r['refused']}", r["requests"],
                 r["per_call"], f"{r['calls_outage']} / {r['requests_outage']} / {r['per_call_outage']}",
                 f"{r['calls_healthy']} / {r['requests_healthy']}", s(r["first_ok_after_clear_s"]),
                 r["slowest_call_s"]])

print()
print("raw lines:")
print()
for line in open(sys.argv[1]):
    print("    " + line.rstrip())
EOF
