"""Listings against the simulator's throttles over loopback: the gateway's token bucket and DRF's
sliding window, with every form of ``Retry-After``. Whatever the server answers, no listing fails:
429s are waits. Told the rate, the client meets none; not told, it finds it.
"""

from __future__ import annotations

from typing import Any

import pytest

from epic_async import EpicClient, RateLimit, RetryPolicy
from epic_async.testing import FakeEpicServer, Variant
from epic_async.testing._variant import RetryAfterForm

FORMS: tuple[RetryAfterForm, ...] = ("seconds", "http_date", "absent", "computed", "rotate")


async def list_all(server: FakeEpicServer, limit: RateLimit, **retry: Any) -> EpicClient:
    """Every charger, 10 a page, 8 pages in flight; checks each arrived once, in order."""
    client = EpicClient(
        api_key=server.api_key,
        base_url=server.base_url,
        rate_limit=limit,
        retry=RetryPolicy(max_attempts=2, **retry),  # 429s must not need attempts
    )
    async with client:
        chargers = await client.chargers.list(page_size=10, concurrency=8).collect()
    assert [c.id for c in chargers] == list(server.store.chargers)
    return client


@pytest.mark.parametrize("form", FORMS)
async def test_adaptive_finds_a_token_bucket_whatever_its_retry_after(form: RetryAfterForm) -> None:
    variant = Variant(retry_after=form)
    async with FakeEpicServer(chargers=600, rate=100, burst=5, variant=variant) as server:
        client = await list_all(server, RateLimit(rate=400, burst=5, adaptive=True))
        limiter = client._transport.shared._limiter
        assert limiter is not None and limiter.state is not None
        assert limiter.state.epoch >= 1  # it was cut...
        assert 50 <= limiter.rate <= 200  # ...to about the server's rate, not to the floor
        assert server.counters.throttled <= 30  # few 429s for 60 requests started 4x too fast
        assert client.metrics.throttled == server.counters.throttled


@pytest.mark.parametrize("form", ["seconds", "http_date", "absent"])
async def test_a_wrong_stated_rate_waits_out_its_429s_and_never_fails(form: RetryAfterForm) -> None:
    variant = Variant(retry_after=form)
    async with FakeEpicServer(chargers=300, rate=40, burst=5, variant=variant) as server:
        client = await list_all(server, RateLimit(rate=200, burst=5))  # 5x the server's rate
        assert server.counters.throttled > 0
        assert client.metrics.retries >= server.counters.throttled  # every 429 was resent


@pytest.mark.parametrize("form", ["seconds", "http_date", "absent", "rotate"])
async def test_adaptive_against_drfs_window_completes(form: RetryAfterForm) -> None:
    variant = Variant(throttle="drf_window", throttle_rate="40/s", retry_after=form)
    async with FakeEpicServer(chargers=400, variant=variant) as server:
        await list_all(server, RateLimit(rate=100, burst=5, adaptive=True))
        assert server.counters.throttled <= 20


async def test_told_the_token_bucket_exactly_the_client_meets_no_429() -> None:
    async with FakeEpicServer(chargers=500, rate=100, burst=5) as server:
        client = await list_all(server, RateLimit(rate=100, burst=5))
        assert server.counters.throttled == 0
        assert client.metrics.requests == 50


async def test_told_drfs_window_the_way_drf_states_it_the_client_meets_no_429() -> None:
    variant = Variant(throttle="drf_window", throttle_rate="30/s", retry_after="seconds")
    async with FakeEpicServer(chargers=600, variant=variant) as server:
        await list_all(server, RateLimit.parse("30/s"))
        assert server.counters.throttled == 0
