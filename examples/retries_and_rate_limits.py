"""Retries and rate limits against a server that throttles at 40 requests/s and fails sometimes.

Told the server's rate, the client never sees a 429. Not told (``adaptive=True``), it finds the
rate from the 429s. Transient 5xx on GETs are retried with full-jitter backoff.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from _target import api_target

from epic_async import EpicClient, RateLimit, RetryPolicy


async def run(target: dict[str, Any], rate_limit: RateLimit, label: str) -> None:
    async with EpicClient(
        rate_limit=rate_limit, retry=RetryPolicy(max_attempts=6), **target
    ) as client:
        items = await client.chargers.list(page_size=20, concurrency=8).collect()
        m = client.metrics
        print(
            f"{label}: {len(items)} chargers, {m.requests} requests, {m.throttled} 429s, "
            f"{m.retries} retries"
        )


async def main() -> None:
    simulator = {"chargers": 800, "rate": 40.0, "burst": 5, "retry_after": 0.2, "fault_rate": 0.02}
    async with api_target(**simulator) as target:
        if os.environ.get("EPIC_API_KEY"):
            print("(against a real tenant: set the rate your tenant allows)")
        await run(target, RateLimit(rate=40, burst=5), "told the rate")
        await run(target, RateLimit(rate=80, burst=5, adaptive=True), "adaptive   ")


if __name__ == "__main__":
    asyncio.run(main())
