"""The known-rate promise: told exactly the server's token bucket, the client meets no 429.

``python -m benchmarks.known_rate [--requests 1000] [--runs 1] [--only 40/5,200/10]``
``[--modes tasks,threads,processes] [--rate-margin 0.01] [--burst-reserve 0.025]``

For each server bucket (40/s burst 5, 50/s burst 5, 200/s burst 10; the simulator in its own
process) the client is configured with exactly that ``RateLimit(rate=R, burst=b)`` and sends
``--requests`` charger GETs, three ways: many tasks of one ``EpicClient`` (64 in flight), 8
threads sharing one ``SyncEpicClient``, and 3 processes sharing one bucket in Redis. It prints the
429s the server answered and the throughput as a share of R: paced (``(n - b) / (last - first
answer)``, what the pacing margin costs) and overall (``(n - b) / wall``, start-up included). ``--rate-margin`` and
``--burst-reserve`` override ``epic_async._bucket``'s pacing margin, which is how the margin was
found (docs/rate-limits.md); the defaults are the SDK's.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from multiprocessing import get_context
from typing import Any

import epic_async._bucket as bucket
from epic_async import EpicClient, RateLimit, RedisLimiter, SyncEpicClient
from epic_async.testing import FakeEpicServer
from epic_async.testing._redis_server import RedisServer

BUCKETS = ((40.0, 5), (50.0, 5), (200.0, 10))
MODES = ("tasks", "threads", "processes")
PROCESSES = 3


def _set_margin(rate_margin: float, burst_reserve: float) -> None:
    bucket.RATE_MARGIN = rate_margin
    bucket.BURST_RESERVE = burst_reserve


def _tasks(base_url: str, key: str, ids: list[str], limit: RateLimit) -> list[float]:
    """When each GET came back (``time.time()``: comparable across processes)."""

    async def run() -> list[float]:
        done: list[float] = []
        slots = asyncio.Semaphore(64)
        async with EpicClient(api_key=key, base_url=base_url, rate_limit=limit) as client:

            async def one(charger_id: str) -> None:
                async with slots:
                    await client.chargers.get(charger_id)
                done.append(time.time())

            await asyncio.gather(*(one(i) for i in ids))
        return done

    return asyncio.run(run())


def _threads(base_url: str, key: str, ids: list[str], limit: RateLimit) -> list[float]:
    with SyncEpicClient(api_key=key, base_url=base_url, rate_limit=limit) as client:

        def one(charger_id: str) -> float:
            client.chargers.get(charger_id)
            return time.time()

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(one, ids))


def _worker(
    base_url: str, key: str, ids: list[str], rate: float, burst: int, redis_url: str, margin: tuple[float, float]
) -> list[float]:  # fmt: skip
    _set_margin(*margin)
    limit = RateLimit(rate=rate, burst=burst, shared=RedisLimiter(redis_url, key="known-rate"))
    return _tasks(base_url, key, ids, limit)


def _warm_up(seconds: float) -> None:
    time.sleep(seconds)


def run_mode(
    mode: str, sim: Any, ids: list[str], rate: float, burst: int, redis_url: str | None, margin: tuple[float, float]
) -> tuple[float, int, list[float]]:  # fmt: skip
    """wall seconds, 429s, when each request came back."""
    limit = RateLimit(rate=rate, burst=burst)
    if mode == "processes":
        assert redis_url is not None
        chunks = [ids[i::PROCESSES] for i in range(PROCESSES)]
        with ProcessPoolExecutor(PROCESSES, mp_context=get_context("spawn")) as pool:
            list(pool.map(_warm_up, [0.3] * PROCESSES))  # every worker up before the clock starts
            _flush(redis_url)
            sim.reset_counters()
            started = time.perf_counter()
            futures = [
                pool.submit(_worker, sim.base_url, sim.api_key, c, rate, burst, redis_url, margin)
                for c in chunks
            ]
            done = [t for f in futures for t in f.result()]
            wall = time.perf_counter() - started
    else:
        sim.reset_counters()
        started = time.perf_counter()
        done = (_tasks if mode == "tasks" else _threads)(sim.base_url, sim.api_key, ids, limit)
        wall = time.perf_counter() - started
    return wall, int(sim.counters()["throttled"]), done


def _flush(redis_url: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        client.flushdb()
    finally:
        client.close()


def _charger_ids(base_url: str, key: str, count: int) -> list[str]:
    async def collect() -> list[str]:
        async with EpicClient(api_key=key, base_url=base_url, rate_limit=None) as client:
            return [c.id async for c in client.chargers.list(max_items=count)]

    return asyncio.run(collect())


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.known_rate")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--only", default="", help="buckets as R/b, e.g. 40/5,200/10")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--rate-margin", type=float, default=bucket.RATE_MARGIN)
    parser.add_argument("--burst-reserve", type=float, default=bucket.BURST_RESERVE)
    args = parser.parse_args()
    margin = (args.rate_margin, args.burst_reserve)
    _set_margin(*margin)
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    wanted = {s.strip() for s in args.only.split(",") if s.strip()}
    buckets = [(r, b) for r, b in BUCKETS if not wanted or f"{r:g}/{b}" in wanted]
    redis = RedisServer() if "processes" in modes and shutil.which("redis-server") else None
    if "processes" in modes and redis is None:
        raise SystemExit("redis-server is not installed (apt-get install redis-server)")
    print(
        f"{args.requests} requests per run, client told exactly the server's bucket; pacing "
        f"margin {args.rate_margin:.1%} of the rate, {args.burst_reserve * 1000:g} ms of it in the burst"
    )
    print(f"{'server':<12}{'mode':<11}{'429s':>6}{'worst':>7}{'paced':>8}{'overall':>9}{'wall s':>8}{'lost':>6}")  # fmt: skip
    try:
        if redis is not None:
            redis.start()
        with FakeEpicServer.run_in_process(
            chargers=args.requests, sessions=0, faults=0, users=0, seed=4
        ) as sim:
            ids = _charger_ids(sim.base_url, sim.api_key, args.requests)
            for rate, burst in buckets:
                sim.configure(rate=rate, burst=burst)
                for mode in modes:
                    url = redis.url if redis is not None else None
                    runs = [run_mode(mode, sim, ids, rate, burst, url, margin) for _ in range(args.runs)]  # fmt: skip
                    wall = statistics.median(r[0] for r in runs)
                    throttled = [r[1] for r in runs]
                    lost = max(len(ids) - len(r[2]) for r in runs)
                    paced = statistics.median(
                        (len(r[2]) - burst) / ((max(r[2]) - min(r[2])) * rate) for r in runs
                    )
                    overall = (len(ids) - burst) / (wall * rate)
                    print(
                        f"{rate:g}/s b{burst:<6}{mode:<11}{statistics.median(throttled):>6g}"
                        f"{max(throttled):>7}{paced:>8.1%}{overall:>9.1%}{wall:>8.2f}{lost:>6}",
                        flush=True,
                    )
                sim.configure(rate=None)
    finally:
        if redis is not None:
            redis.stop()


if __name__ == "__main__":
    main()
