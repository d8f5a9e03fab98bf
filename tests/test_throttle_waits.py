"""A 429 under a rate limit is a wait, not an attempt; without a rate limit it is an attempt."""

from __future__ import annotations

import pytest

from epic_async import EpicClient, RateLimit, RateLimitError, RetryPolicy
from epic_async.testing import FakeEpicServer, Variant

from .conftest import SleepRecorder, make_client
from .test_transport import some_charger_id


@pytest.mark.parametrize("adaptive", [False, True], ids=["stated-rate", "adaptive"])
async def test_429s_under_a_rate_limit_do_not_use_up_attempts(
    server: FakeEpicServer, sleeps: SleepRecorder, adaptive: bool
) -> None:
    server.fail_next(429, path="charger/", times=9, retry_after=0.25)
    retry = RetryPolicy(max_attempts=2, sleep=sleeps)
    limit = RateLimit(rate=1000, burst=100, adaptive=adaptive)
    async with make_client(server, rate_limit=limit, retry=retry) as client:
        detail = await client.chargers.get(some_charger_id(server))
    assert detail.id == some_charger_id(server)
    assert server.counters.by_status[429] == 9  # nine waits on a budget of two attempts
    # Each 429 was waited out for its Retry-After: by every task at once (a stated rate's shared
    # pause) or by the refused request alone (an adaptive rate is cut instead).
    assert sleeps.delays == [pytest.approx(0.25, abs=0.01)] * 9
    assert client.metrics.throttled == 9
    assert (client.metrics.pauses > 0) is not adaptive


async def test_a_429_without_retry_after_waits_a_growing_jittered_backoff(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    server.configure(variant=Variant(retry_after="absent"))
    server.fail_next(429, path="charger/", times=6)
    retry = RetryPolicy(max_attempts=1, backoff_initial=0.5, sleep=sleeps)
    async with make_client(server, retry=retry) as client:
        await client.chargers.get(some_charger_id(server))
    assert len(sleeps.delays) == 6
    for n, delay in enumerate(sleeps.delays, start=1):  # the n-th 429's full-jitter cap
        assert 0 <= delay <= 0.5 * 2 ** (n - 1)


async def test_throttle_waits_past_max_throttle_wait_raise(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    server.fail_next(429, path="charger/", times=50, retry_after=1.0)
    retry = RetryPolicy(max_throttle_wait=5.0, sleep=sleeps)
    async with make_client(server, retry=retry) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.chargers.get(some_charger_id(server))
    assert caught.value.retry_after == 1.0
    assert sleeps.delays == [pytest.approx(1.0, abs=0.01)] * 5  # a sixth second would pass 5 s
    assert server.counters.by_status[429] == 6


async def test_a_retry_after_above_max_retry_after_raises_under_a_rate_limit_too(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    server.fail_next(429, path="charger/", retry_after=600)
    async with make_client(server, retry=RetryPolicy(sleep=sleeps)) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.chargers.get(some_charger_id(server))
        assert client.metrics.pauses == 0  # not waited for, so nobody else is held either
    assert caught.value.retry_after == 600
    assert sleeps.delays == []


async def test_without_a_rate_limit_429s_use_up_attempts(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next(429, path="charger/", times=10, retry_after=0.1)
    with pytest.raises(RateLimitError):
        await client.chargers.get(some_charger_id(server))
    assert server.counters.by_status[429] == 4  # max_attempts, as for any error
    assert sleeps.delays == [pytest.approx(0.1)] * 3
