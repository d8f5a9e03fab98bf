from __future__ import annotations

import asyncio

import pytest

from epic_async import RateLimit
from epic_async._ratelimit import CubicRate, RateLimiter, _AdjustableLimiter


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def test_bucket_holds_rate_and_burst() -> None:
    loop = asyncio.get_running_loop()
    limiter = RateLimiter(RateLimit(rate=200, burst=5))
    stamps: list[float] = []

    async def take() -> None:
        await limiter.acquire()
        stamps.append(loop.time())

    await asyncio.gather(*(take() for _ in range(45)))
    # A full bucket lets `burst` through at once, then tokens arrive at `rate`.
    assert max_in_window(stamps, 0.1) <= 5 + 200 * 0.1 + 1
    assert stamps[-1] - stamps[0] >= (45 - 5) / 200 * 0.95


async def test_pause_holds_every_sender_once(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded: list[float] = []

    async def record(delay: float) -> None:
        recorded.append(delay)

    limiter = RateLimiter(RateLimit(rate=1000, burst=100), sleep=record)
    assert limiter.pause(0.5) is True
    assert limiter.pause(0.2) is False  # overlapping 429s do not start a second pause
    await asyncio.gather(*(limiter.acquire() for _ in range(4)))
    assert len(recorded) == 4
    assert all(0.45 < d <= 0.5 for d in recorded)


def test_cubic_cuts_on_throttle_and_probes_back_above() -> None:
    rate = CubicRate(start_rate=100, min_rate=1, max_rate=None, now=0.0)
    rate._slow_start = False
    assert rate.on_throttle(10.0) == pytest.approx(70.0)
    early = rate.on_success(10.5)
    plateau_t = 10.0 + (100 * 0.3 / 0.4) ** (1 / 3)
    at_plateau = rate.on_success(plateau_t)
    later = rate.on_success(plateau_t + 3)
    assert 70 <= early < at_plateau < later
    assert at_plateau == pytest.approx(100.0)


def test_slow_start_doubles_only_when_the_rate_is_used() -> None:
    idle = CubicRate(start_rate=10, min_rate=1, max_rate=None, now=0.0)
    assert idle.on_success(1.0) == 10  # one request in a second: no evidence more is needed
    busy = CubicRate(start_rate=10, min_rate=1, max_rate=40, now=0.0, slow_start_interval=0.5)
    for i in range(10):
        busy.on_success(0.05 * i)
    assert busy.on_success(0.6) == 20
    for i in range(40):
        busy.on_success(0.6 + 0.01 * i)
    assert busy.on_success(1.2) == 40  # capped at max_rate


def test_throttle_never_drops_below_min_rate() -> None:
    rate = CubicRate(start_rate=2, min_rate=1.5, max_rate=None, now=0.0)
    assert rate.on_throttle(1.0) == 1.5


async def test_adjustable_limiter_changes_its_drain_rate() -> None:
    # Guards the one private detail of aiolimiter we rely on: the rate can be changed in place.
    bucket = _AdjustableLimiter(10, 1.0)
    bucket.set_rate(40.0)
    assert bucket.time_period == pytest.approx(0.25)
    for _ in range(10):
        await bucket.acquire()
    assert not bucket.has_capacity()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"rate": 0}, "rate"), ({"burst": 0}, "burst"), ({"rate": 10, "max_rate": 5}, "max_rate")],
)
def test_rate_limit_validates(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=f"RateLimit.{field}"):
        RateLimit(**kwargs)  # type: ignore[arg-type]
