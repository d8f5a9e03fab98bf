"""Many workers, one key: 4 processes against a server limit R, shared bucket vs local buckets.

``python -m benchmarks.shared_limit [--rate 100] [--requests 800] [--runs 3]``

Starts a throwaway ``redis-server`` and the simulator (its own process, token bucket R with burst
10), then runs 4 worker processes, each fetching its share of charger details, twice: once with
``RateLimit(rate=R, burst=10, shared=RedisLimiter(...))`` and once with a local
``RateLimit(rate=R, burst=10)`` each (what four workers do without coordination): each told
exactly the server's bucket, the SDK keeping its own pacing margin. Prints aggregate throughput as
a fraction of R and the 429s the server answered. Medians of ``--runs``. A 429 is a wait, not a
failed attempt, so the uncoordinated workers lose nothing either: they only take longer.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from epic_async import EpicClient, EpicError, RateLimit, RedisLimiter, RetryPolicy
from epic_async.testing import FakeEpicServer
from epic_async.testing._redis_server import RedisServer

WORKERS = 4
SERVER_BURST = 10


def _worker(base_url: str, api_key: str, ids: list[str], rate: float, redis_url: str | None) -> int:
    async def run() -> int:
        shared = RedisLimiter(redis_url, key="bench") if redis_url else None
        limit = RateLimit(rate=rate, burst=SERVER_BURST, shared=shared)  # told the server's bucket
        async with EpicClient(
            api_key=api_key, base_url=base_url, rate_limit=limit, retry=RetryPolicy()
        ) as client:
            fetched = 0
            for start in range(0, len(ids), 50):  # chunks: a worker that gives up keeps its count
                try:
                    found = await client.chargers.get_many(ids[start : start + 50], concurrency=8)
                except EpicError:  # a 429 wait past max_throttle_wait: counted as lost
                    continue
                fetched += sum(1 for d in found if d is not None)
            return fetched

    return asyncio.run(run())


def _warm_up(seconds: float) -> None:
    time.sleep(seconds)


def _one_run(
    sim: object, base_url: str, api_key: str, ids: list[str], rate: float, redis_url: str | None
) -> tuple[float, int, int, int]:
    """wall seconds, 429s, requests, records not fetched (workers that gave up)."""
    sim.reset_counters()  # type: ignore[attr-defined]
    chunks = [ids[i::WORKERS] for i in range(WORKERS)]
    with ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn")) as pool:
        # Every worker process up (and epic_async imported) before the clock starts: tasks that
        # each hold a process for a moment force the pool to spawn all of them.
        list(pool.map(_warm_up, [0.3] * WORKERS))
        started = time.perf_counter()
        futures = [pool.submit(_worker, base_url, api_key, c, rate, redis_url) for c in chunks]
        done = sum(f.result() for f in futures)
        wall = time.perf_counter() - started
    counters = sim.counters()  # type: ignore[attr-defined]
    return wall, counters["throttled"], counters["requests"], len(ids) - done


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shared_limit")
    parser.add_argument("--rate", type=float, default=100.0, help="server limit R (req/s)")
    parser.add_argument("--requests", type=int, default=800, help="total across the workers")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    with RedisServer() as redis:
        redis_url = redis.url
        with FakeEpicServer.run_in_process(
            chargers=args.requests,
            sessions=0,
            faults=0,
            users=0,
            rate=args.rate,
            burst=SERVER_BURST,
        ) as sim:
            ids = _charger_ids(sim.base_url, sim.api_key, args.requests)
            floor = (args.requests - SERVER_BURST) / args.rate
            print(f"{WORKERS} workers, {args.requests} requests, server R={args.rate:g}/s b={SERVER_BURST}")  # fmt: skip
            print(f"floor {floor:.2f}s  (machine: see benchmarks/README.md)")
            print(f"{'mode':<22}{'wall s':>8}{'of R':>8}{'429s':>7}{'requests':>10}{'lost':>6}")
            for label, url in (("shared (Redis)", redis_url), ("local bucket each", None)):
                runs = [_one_run(sim, sim.base_url, sim.api_key, ids, args.rate, url) for _ in range(args.runs)]  # fmt: skip
                wall = statistics.median(r[0] for r in runs)
                throttled = int(statistics.median(r[1] for r in runs))
                requests = int(statistics.median(r[2] for r in runs))
                lost = max(r[3] for r in runs)
                share = ((args.requests - lost) / wall) / args.rate
                print(f"{label:<22}{wall:>8.2f}{share:>8.1%}{throttled:>7}{requests:>10}{lost:>6}")


def _charger_ids(base_url: str, api_key: str, count: int) -> list[str]:
    async def collect() -> list[str]:
        async with EpicClient(api_key=api_key, base_url=base_url, rate_limit=None) as client:
            return [c.id async for c in client.chargers.list(max_items=count)]

    return asyncio.run(collect())


if __name__ == "__main__":
    main()
