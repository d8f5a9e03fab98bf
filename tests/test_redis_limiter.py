"""The shared rate limit against a real ``redis-server`` on loopback (``.ci/run`` installs it).

Skipped, with the reason, where no ``redis-server`` binary exists.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest

from epic_async import EpicClient, RateLimit, RetryPolicy
from epic_async._redis_limiter import RedisLimiter, SharedLimiterUnavailable
from epic_async.testing import FakeEpicServer
from epic_async.testing._redis_server import RedisServer, free_port

from .test_ratelimit import max_in_window

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it)",
)


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


def _worker(base_url: str, api_key: str, redis_url: str, ids: list[str]) -> int:
    """One worker process: its own client, the fleet's shared bucket."""

    async def run() -> int:
        shared = RedisLimiter(redis_url, key="fleet")
        async with EpicClient(
            api_key=api_key,
            base_url=base_url,
            rate_limit=RateLimit(rate=40, burst=3, shared=shared),  # one under the server
        ) as client:
            found = await client.chargers.get_many(ids, concurrency=8)
            return sum(1 for d in found if d is not None)

    return asyncio.run(run())


def test_workers_in_many_processes_share_one_rate(redis_server: RedisServer) -> None:
    with FakeEpicServer(chargers=90, rate=40, burst=4).run_in_thread() as server:
        ids = list(server.store.chargers)
        chunks = [ids[0::3], ids[1::3], ids[2::3]]
        with ProcessPoolExecutor(3, mp_context=get_context("spawn")) as pool:
            futures = [
                pool.submit(_worker, server.base_url, server.api_key, redis_server.url, chunk)
                for chunk in chunks
            ]
            assert sum(f.result() for f in futures) == 90
        assert server.counters.throttled == 0  # three workers, one key, no 429
        stamps = [t for *_, t in server.counters.request_log]
        assert max_in_window(stamps, 1.0) <= 40 + 4 + 2


async def test_fail_closed_sends_nothing_when_redis_is_down(server: FakeEpicServer) -> None:
    shared = RedisLimiter(f"redis://127.0.0.1:{free_port()}/0", timeout=0.2)
    async with EpicClient(
        api_key=server.api_key, base_url=server.base_url, rate_limit=RateLimit(shared=shared)
    ) as client:
        with pytest.raises(SharedLimiterUnavailable, match=r"unreachable.*no request was sent"):
            await client.chargers.list().collect()
    assert server.counters.requests == 0


async def test_fail_closed_when_redis_dies_mid_run(
    server: FakeEpicServer, redis_server: RedisServer
) -> None:
    shared = RedisLimiter(redis_server.url, key="dies", timeout=0.5)
    charger_id = next(iter(server.store.chargers))
    async with EpicClient(
        api_key=server.api_key, base_url=server.base_url, rate_limit=RateLimit(shared=shared)
    ) as client:
        await client.chargers.get(charger_id)
        redis_server.stop()
        with pytest.raises(SharedLimiterUnavailable):
            await client.chargers.get(charger_id)
    assert server.counters.requests == 1


async def test_local_fallback_warns_then_recovers(
    server: FakeEpicServer, redis_server: RedisServer
) -> None:
    import redis.asyncio as redis_asyncio

    shared = RedisLimiter(
        redis_server.url, key="recover", on_unavailable="local", recheck=0.0, timeout=0.5
    )
    charger_id = next(iter(server.store.chargers))
    async with EpicClient(
        api_key=server.api_key,
        base_url=server.base_url,
        rate_limit=RateLimit(rate=200, burst=10, shared=shared),
    ) as client:
        await client.chargers.get(charger_id)  # through Redis
        redis_server.stop()
        with pytest.warns(RuntimeWarning, match="falling back to a local bucket"):
            await client.chargers.get(charger_id)
        redis_server.start()  # same port, empty memory
        await client.chargers.get(charger_id)  # recheck=0: back on the shared bucket at once
        probe = redis_asyncio.Redis.from_url(redis_server.url)
        try:
            assert await probe.hget("epic_async:recover:bucket", "level") is not None
        finally:
            await probe.aclose()
    assert server.counters.requests == 3


async def test_a_429_pauses_every_worker_through_redis(
    server: FakeEpicServer, redis_server: RedisServer
) -> None:
    shared = RedisLimiter(redis_server.url, key="pause")
    limit = RateLimit(rate=100, burst=10, shared=shared)
    charger_id = next(iter(server.store.chargers))

    async def no_wait(_: float) -> None:
        """The local pause is skipped: only the shared one can hold the second worker."""

    async with (
        EpicClient(api_key=server.api_key, base_url=server.base_url, rate_limit=limit) as first,
        EpicClient(
            api_key=server.api_key,
            base_url=server.base_url,
            rate_limit=limit,
            retry=RetryPolicy(sleep=no_wait),
        ) as second,
    ):
        server.fail_next(429, path="charger/", retry_after=0.4)
        first_call = asyncio.create_task(first.chargers.get(charger_id))
        while server.counters.by_status[429] == 0:  # noqa: ASYNC110 - the only signal there is
            await asyncio.sleep(0.005)
        throttled_at = time.monotonic()
        await asyncio.sleep(0.05)  # let the first worker record the pause in Redis
        await second.chargers.get(charger_id)
        await first_call
    second_arrival = server.counters.request_log[-1][3]
    assert second_arrival - throttled_at >= 0.3  # it waited out the other worker's pause


async def test_the_adaptive_rate_is_shared_and_cut_once_per_overload(
    redis_server: RedisServer,
) -> None:
    shared = RedisLimiter(redis_server.url, key="adaptive")
    limit = RateLimit(rate=50, burst=5, adaptive=True, shared=shared)
    first, second = shared.bucket(limit), shared.bucket(limit)  # two workers
    try:
        tickets = [await first.acquire(), await second.acquire()]  # both sent before any cut
        assert tickets == [0, 0]
        first.cut(tickets[0])  # both meet the same overload...
        second.cut(tickets[1])
        await first.reported()
        await second.reported()
        assert first.rate == pytest.approx(25, rel=0.05)  # ...and the fleet is cut once (the
        assert second.rate == pytest.approx(25, rel=0.05)  # first cut ends slow start: halved)
        # The cut counter lives in Redis: a worker's next ticket knows of the other's cut.
        assert await second.acquire() == 1
        second.cut(0)  # a late 429 of a request sent before the cut: no second cut
        await second.reported()
        assert second.rate == pytest.approx(25, rel=0.05)
    finally:
        await first.aclose()
        await second.aclose()
