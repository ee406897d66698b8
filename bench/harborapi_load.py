"""Load driver of the client benchmark for Python harborapi: the same workload and output
line as bench/src/bin/client_load.rs (GET /projects/{name}, N requests at concurrency C,
retrying 5xx and transport errors with expo(factor=0.01), full jitter, 60 s).

    python bench/harborapi_load.py --url http://127.0.0.1:18080 --requests 20000 --concurrency 64
"""

import argparse
import asyncio
import resource
import time

import backoff
import httpx
from harborapi import HarborAsyncClient
from harborapi.exceptions import StatusError
from harborapi.retry import RetrySettings


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--project", default="library")
    args = parser.parse_args()

    attempts = 0
    waited = 0.0  # the backoff waits the policy chose, summed (seconds)

    def count_backoff(details) -> None:
        nonlocal attempts, waited
        attempts += 1
        waited += details["wait"]

    client = HarborAsyncClient(
        url=args.url.rstrip("/") + "/api/v2.0",
        username="admin",
        secret="Harbor12345",
        retry=RetrySettings(
            # harborapi has no class for every 5xx: retry status errors, give up below 500.
            exception=(StatusError, httpx.NetworkError, httpx.TimeoutException),
            giveup=lambda e: isinstance(e, StatusError) and (e.status_code or 0) < 500,
            wait_gen=backoff.expo,
            factor=0.01,
            max_time=60,
            on_backoff=count_backoff,
        ),
    )
    next_index = 0
    ok = 0
    latencies = []

    async def worker() -> None:
        nonlocal next_index, ok, attempts
        while next_index < args.requests:
            next_index += 1
            attempts += 1
            started = time.perf_counter()
            try:
                await client.get_project(args.project)
                ok += 1
            except Exception:  # counted as a failure, like the Rust drivers
                pass
            latencies.append(time.perf_counter() - started)

    cpu_before = time.process_time()
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    seconds = time.perf_counter() - started
    cpu_ms = (time.process_time() - cpu_before) * 1000
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, round(p / 100 * (len(latencies) - 1)))] * 1000

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"client=harborapi concurrency={args.concurrency} requests={len(latencies)} ok={ok} "
        f"attempts={attempts} seconds={seconds:.3f} rps={len(latencies) / seconds:.0f} "
        f"p50_ms={pct(50):.3f} p99_ms={pct(99):.3f} peak_rss_kib={rss} cpu_ms={cpu_ms:.1f} "
        f"waited_ms={waited * 1000:.1f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
