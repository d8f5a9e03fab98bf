"""``RateLimit.parse`` against DRF's own ``SimpleRateThrottle`` (tests/drf_server), over loopback.

The throttle counts requests of ``DrfServer.throttled_key`` on the server's clock; the client paces
on a virtual clock that jumps by the same amounts (``tests/virtual_time.py``), so an hour of pacing
takes a moment and client and server agree on every second of it. Requests go one after the other:
a jump while another request is on the wire would move that request's arrival, which real time
never does.
"""

from __future__ import annotations

from typing import Any

import pytest

from epic_async import EpicClient, RateLimit, RateLimitError, RetryPolicy
from epic_async._ratelimit import RateLimiter, parse_rate

from .drf_server import DrfServer
from .virtual_time import VirtualTime


def paced_client(server: DrfServer, limit: RateLimit, vt: VirtualTime, **retry: Any) -> EpicClient:
    """A client of the throttled key whose limiter and retry waits run on ``vt``."""
    client = EpicClient(
        api_key=server.throttled_key,
        base_url=server.base_url,
        rate_limit=limit,
        retry=RetryPolicy(sleep=vt.sleep, **retry),
    )
    # The limiter is made on the first request; made here instead, it paces on virtual time.
    client._transport.shared._limiter = RateLimiter(limit, sleep=vt.sleep, clock=vt.clock)
    return client


@pytest.mark.parametrize(
    ("rate", "requests"),
    # Two windows and more; "600/min" one window and a tenth (the same arithmetic, larger N).
    [("20/s", 45), ("30/min", 65), ("40/hour", 85), ("25/day", 55), ("600/min", 660)],
)
async def test_parse_never_meets_drfs_throttle_from_an_empty_window(
    drf: DrfServer, rate: str, requests: int
) -> None:
    drf.set_throttle_rate(rate)
    vt = VirtualTime(real=True, on_advance=drf.advance_throttle_clock)
    charger_id = drf.charger_ids()[0]
    async with paced_client(drf, RateLimit.parse(rate), vt) as client:
        started = vt.clock()
        for _ in range(requests):
            await client.chargers.get(charger_id)
        elapsed = vt.clock() - started
    statuses = [r.status for r in drf.requests if r.path.endswith(f"{charger_id}/")]
    assert statuses == [200] * requests  # past the end of the first window, not one 429
    count, period = parse_rate(rate)
    achieved = (requests - 1) / elapsed
    assert achieved >= 0.85 * count / period


async def spend_the_window_elsewhere(drf: DrfServer, rate: str) -> tuple[str, VirtualTime]:
    """DRF throttling at ``rate`` (5 per period), and the 5 requests of the window already sent
    by another worker; the charger they read and the virtual time the throttle runs on."""
    drf.set_throttle_rate(rate)
    charger_id = drf.charger_ids()[0]
    vt = VirtualTime(real=True, on_advance=drf.advance_throttle_clock)
    async with paced_client(drf, RateLimit(rate=100, burst=5), vt) as elsewhere:
        for _ in range(5):
            await elsewhere.chargers.get(charger_id)
    return charger_id, vt


async def test_a_window_spent_elsewhere_is_waited_for_within_max_retry_after(
    drf: DrfServer,
) -> None:
    charger_id, vt = await spend_the_window_elsewhere(drf, "5/m")
    async with paced_client(drf, RateLimit.parse("5/m"), vt) as client:
        detail = await client.chargers.get(charger_id)  # 429 Retry-After ~60 <= 120: it waits
    assert detail.id == charger_id
    assert [r.status for r in drf.requests] == [200] * 5 + [429, 200]
    retry_after = drf.requests[5].retry_after
    assert retry_after is not None and 55 <= int(retry_after) <= 60
    assert client.metrics.pauses == 1  # a stated rate: every sender of the client held once


async def test_a_window_spent_elsewhere_beyond_max_retry_after_raises_at_once(
    drf: DrfServer,
) -> None:
    charger_id, vt = await spend_the_window_elsewhere(drf, "5/h")
    waited_before = sum(vt.slept)
    async with paced_client(drf, RateLimit.parse("5/h"), vt) as client:
        with pytest.raises(RateLimitError) as caught:
            await client.chargers.get(charger_id)
    assert caught.value.retry_after is not None and caught.value.retry_after > 3000
    assert sum(vt.slept) == waited_before  # an hour is above max_retry_after (120 s): not waited
    # A job that would rather wait says so, and then waits the hour.
    policy = {"max_retry_after": 3600.0, "max_throttle_wait": 3600.0}
    async with paced_client(drf, RateLimit.parse("5/h"), vt, **policy) as patient:
        assert (await patient.chargers.get(charger_id)).id == charger_id
    assert [r.status for r in drf.requests][-3:] == [429, 429, 200]
