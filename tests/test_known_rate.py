"""The known-rate promise over loopback: told exactly the server's token bucket, no 429.

A short version of ``python -m benchmarks.known_rate`` (which sends 1,000 requests per mode at
40/s burst 5, 50/s burst 5 and 200/s burst 10, also from 3 processes sharing the bucket in Redis):
here 300 requests at 200/s burst 10, from many tasks of one ``EpicClient`` and from 8 threads
sharing one ``SyncEpicClient``. The simulator runs in its own process, as a server would, and so
does the client: the test run's own process has a heap whose full garbage collections stop it
for 100s of ms, the one hold-up the pacing margin does not cover (docs/rate-limits.md). The
3-process mode stays in the benchmark: six processes on CI's two shared cores (the test run, the
simulator, Redis, three workers) depend on whatever else the machine runs at the time, which a
test should not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

import pytest

from benchmarks.known_rate import _tasks, _threads
from epic_async import EpicClient, RateLimit
from epic_async.testing import FakeEpicServer

pytestmark = pytest.mark.slow

RATE, BURST, REQUESTS = 200.0, 10, 300


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with FakeEpicServer.run_in_process(
        chargers=REQUESTS, sessions=0, faults=0, users=0, seed=4, rate=RATE, burst=BURST
    ) as server:
        yield server


@pytest.fixture(scope="module")
def ids(sim: Any) -> list[str]:
    async def collect() -> list[str]:
        async with EpicClient(api_key=sim.api_key, base_url=sim.base_url, rate_limit=None) as c:
            return [charger.id async for charger in c.chargers.list(max_items=REQUESTS)]

    sim.configure(rate=None)
    try:
        return asyncio.run(collect())
    finally:
        sim.configure(rate=RATE, burst=BURST)


def client_process(mode: str, base_url: str, key: str, ids: list[str]) -> list[float]:
    """One client in a fresh process: its answers' times."""
    limit = RateLimit(rate=RATE, burst=BURST)
    return (_tasks if mode == "tasks" else _threads)(base_url, key, ids, limit)


@pytest.mark.parametrize("mode", ["tasks", "threads"])
def test_told_the_servers_bucket_the_client_meets_no_429(
    sim: Any, ids: list[str], mode: str
) -> None:
    with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
        pool.submit(time.sleep, 0.2).result()  # the process is up before it is timed
        sim.reset_counters()
        done = pool.submit(client_process, mode, sim.base_url, sim.api_key, ids).result()
    assert len(done) == REQUESTS
    assert sim.counters()["throttled"] == 0
