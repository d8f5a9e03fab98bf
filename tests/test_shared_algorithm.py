"""One algorithm, two homes: the Redis scripts step for step against the Python functions.

A worker sharing Redis and a lone client must pace and adapt alike. The scripts of
``epic_async._redis_scripts`` are a transliteration of ``epic_async._bucket`` and
``epic_async._adaptive``; here both run the same events (acquires, 429s on given tickets, pauses)
at the same explicit times, and every wait, ticket and rate must agree. Needs ``redis-server``.
"""

from __future__ import annotations

import math
import random
import shutil
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from epic_async import RateLimit
from epic_async._adaptive import (
    AdaptiveConfig,
    AdaptiveState,
    burst_cap,
    cut,
    note_send,
    rate_at,
    start_state,
)
from epic_async._bucket import RATE_MARGIN, pacing, refill, reserve
from epic_async._redis_limiter import script_args
from epic_async._redis_scripts import ACQUIRE, THROTTLED
from epic_async.testing._redis_server import RedisServer

pytestmark = pytest.mark.skipif(
    shutil.which("redis-server") is None,
    reason="redis-server is not installed (.ci/run installs it)",
)


class PythonTwin:
    """What the scripts do, written with the functions the local limiter runs."""

    def __init__(self, config: RateLimit, now: float) -> None:
        self.config = config
        self.fixed_rate, self.burst = pacing(config.rate, config.burst)
        self.cfg = AdaptiveConfig(
            start_rate=config.rate,
            min_rate=config.min_rate,
            max_rate=config.max_rate if config.max_rate is not None else math.inf,
        )
        self.state: AdaptiveState = start_state(self.cfg, now=now)
        self.level, self.at = float(self.burst), now

    def pace(self, now: float) -> float:
        if self.config.adaptive:
            return rate_at(self.state, self.cfg, now=now) * (1 - RATE_MARGIN)
        return self.fixed_rate

    def cap(self, now: float) -> int:
        if not self.config.adaptive:
            return self.burst
        return burst_cap(self.state, self.cfg, self.burst, now=now)

    def acquire(self, now: float) -> tuple[float, int, float]:
        cap = self.cap(now)
        wait, self.level, self.at = reserve(self.level, self.at, now, self.pace(now), cap)
        ticket = self.state.epoch
        if self.config.adaptive:
            note_send(self.state, self.cfg, now=now)
        return wait, ticket, rate_at(self.state, self.cfg, now=now)

    def _trim(self, now: float) -> None:
        self.level, self.at = refill(self.level, self.at, now, self.pace(now), self.cap(now))
        self.level = min(self.level, 1.0)

    def cut(self, ticket: int, now: float) -> tuple[int, float]:
        did = self.config.adaptive and cut(self.state, self.cfg, ticket, now=now)
        if did:
            self._trim(now)
        return int(did), rate_at(self.state, self.cfg, now=now)

    def pause(self, seconds: float, now: float) -> tuple[int, float]:
        self._trim(now)
        self.at = max(self.at, now + seconds)
        return 0, rate_at(self.state, self.cfg, now=now)


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with RedisServer() as server:
        yield server.url


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Any]:
    import redis.asyncio as redis_asyncio

    client = redis_asyncio.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


def events(seed: int, n: int = 600) -> list[tuple[str, float, int]]:
    """A busy client's life: bursts of sends, idle gaps, 429s on fresh and stale tickets."""
    rng = random.Random(seed)
    now, out = 100.0, []
    for _ in range(n):
        now += rng.choice([0.0, 0.001, 0.004, 0.02, 0.3, 1.7])
        kind = rng.choices(["acquire", "cut", "pause"], weights=[20, 3, 1])[0]
        out.append((kind, round(now, 4), rng.randrange(4)))
    return out


@pytest.mark.parametrize(
    "config",
    [
        RateLimit(rate=40, burst=5, adaptive=True),
        RateLimit(rate=400, burst=10, adaptive=True, min_rate=20, max_rate=900),
        RateLimit(rate=50, burst=5),
    ],
    ids=["adaptive-40", "adaptive-bounded", "stated-50"],
)
@pytest.mark.parametrize("seed", [1, 2])
async def test_the_scripts_and_the_python_functions_agree_step_by_step(
    redis_client: Any, config: RateLimit, seed: int
) -> None:
    key = [f"epic_async:twin-{config.rate}-{config.adaptive}-{seed}:bucket"]
    acquire, throttled = redis_client.register_script(ACQUIRE), redis_client.register_script(THROTTLED)  # fmt: skip
    plan = events(seed)
    twin = PythonTwin(config, now=plan[0][1])
    tickets: list[int] = [0]
    cuts = 0
    for kind, now, pick in plan:
        args = script_args(config, now=now)
        expected: tuple[float, ...]
        got: tuple[float, ...]
        if kind == "acquire":
            wait, ticket, rate = await acquire(keys=key, args=args)
            expected = twin.acquire(now)
            got = (float(wait), int(ticket), float(rate))
            tickets.append(int(ticket))
        elif kind == "cut":
            ticket = tickets[-1 - min(pick, len(tickets) - 1)]  # fresh or stale
            did, rate = await throttled(keys=key, args=[*args, "cut", ticket])
            expected = twin.cut(ticket, now)
            got = (int(did), float(rate))
            cuts += int(did)
        else:
            did, rate = await throttled(keys=key, args=[*args, "pause", 0.05 * pick])
            expected = twin.pause(0.05 * pick, now)
            got = (int(did), float(rate))
        # Equal up to the order of float operations (Lua and Python round alike otherwise).
        assert got == pytest.approx(expected, rel=1e-12, abs=1e-12), (kind, now)
    if config.adaptive:
        assert cuts >= 3  # the plan did exercise the cut rule, both ways
        assert twin.state.epoch == cuts
