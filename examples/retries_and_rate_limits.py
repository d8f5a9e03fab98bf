"""Retries and rate limits against a server that throttles at 40 requests/s and fails sometimes.

Told the server's bucket exactly (``RateLimit(rate=40, burst=5)``), the client paces a little
under it and never sees a 429. Not told (``adaptive=True``), it finds the rate from the 429s: a
429 is a wait, never a failed listing. A tenant that states its limit the DRF way
(``"2400/min"``) takes ``RateLimit.parse``. Transient 5xx on GETs are retried with full-jitter
backoff, drawing on the client's retry budget.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from _target import api_target

from epic_async import EpicClient, RateLimit, RetryPolicy
from epic_async.testing import Variant


async def run(target: dict[str, Any], rate_limit: RateLimit, label: str) -> None:
    async with EpicClient(rate_limit=rate_limit, retry=RetryPolicy(), **target) as client:
        items = await client.chargers.list(page_size=20, concurrency=8).collect()
        m = client.metrics
        print(
            f"{label}: {len(items)} chargers, {m.requests} requests, {m.throttled} 429s, "
            f"{m.retries} retries"
        )


async def main() -> None:
    if os.environ.get("EPIC_API_KEY"):
        print("(against a real tenant: state the limit your tenant allows)")
    bucket = {"chargers": 800, "rate": 40.0, "burst": 5, "fault_rate": 0.02}
    async with api_target(**bucket) as target:
        await run(target, RateLimit(rate=40, burst=5), "told the bucket")
        await run(target, RateLimit(rate=160, burst=5, adaptive=True), "adaptive       ")
    window = Variant(throttle="drf_window", throttle_rate="2400/min", retry_after="seconds")
    async with api_target(chargers=800, variant=window) as target:
        await run(target, RateLimit.parse("2400/min"), "told '2400/min'")


if __name__ == "__main__":
    asyncio.run(main())
