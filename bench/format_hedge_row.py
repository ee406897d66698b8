"""Turns one `key=value ...` line of `hedge_load` into a Markdown row (bench/hedging.sh)."""

import sys

kv = dict(part.split("=", 1) for part in sys.stdin.read().split())
round_number = sys.argv[1]
p50, p99 = float(kv["p50_ms"]), float(kv["p99_ms"])
cells = [
    round_number,
    # The simulator's service time: base + up to jitter per answer.
    f"{kv['latency_ms']} + 0..{kv['jitter_ms']}",
    f"{float(kv['fraction']) * 100:g}% x 200 ms",
    kv["mode"],
    kv["calls"],
    kv["ok"],
    # No hedging: the normal p95 the hedging rows start from, in parentheses.
    kv["delay_ms"] if kv["mode"] != "no-hedge" else f"({kv['normal_p95_ms']})",
    kv["p50_ms"],
    kv["p99_ms"],
    kv["p999_ms"],
    kv["max_ms"],
    f"{p99 / p50:.1f}" if p50 > 0 else "-",
    kv["server_saw"],
    f"{float(kv['per_call']):.3f}",
    kv["delayed"],
    # Only the self-tuning delay counts its hedges (and what its cap refused).
    f"{kv['hedges']} / {kv['hedges_refused']}" if kv["mode"] == "auto-hedge" else "-",
]
print("| " + " | ".join(cells) + " |")
