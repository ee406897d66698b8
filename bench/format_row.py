"""Turns one `key=value ...` line of a load driver into a Markdown row (bench/client_bench.sh)."""

import sys

kv = dict(part.split("=", 1) for part in sys.stdin.read().split())
faults, server_saw = sys.argv[1], sys.argv[2]
cells = [
    faults,
    kv["client"],
    kv["concurrency"],
    kv["requests"],
    kv["ok"],
    kv["attempts"],
    server_saw,
    kv["rps"],
    kv["p50_ms"],
    kv["p99_ms"],
    f"{int(kv['peak_rss_kib']) / 1024:.1f}",
    # The client process's own CPU time per logical request (all its threads).
    f"{float(kv['cpu_ms']) * 1000 / int(kv['requests']):.1f}",
    # The backoff waits the retry policy chose, summed over all calls.
    f"{float(kv['waited_ms']) / 1000:.1f}",
]
print("| " + " | ".join(cells) + " |")
