"""Testing your own code with ``FakeEpicServer``: real HTTP on loopback, no mocks, faults on demand.

Your code takes an ``EpicClient``; your tests hand it one bound to the simulator. In a pytest
suite, make the server a fixture (``async with FakeEpicServer() as fake: yield fake``).
"""

from __future__ import annotations

import asyncio

from epic_async import EpicClient, RetryPolicy
from epic_async.testing import FakeEpicServer


async def count_available_ports(client: EpicClient) -> int:
    """The code under test: something your service does with the SDK."""
    return len([port async for port in client.charger_ports.list(status__in=["AVAILABLE"])])


async def no_wait(_delay: float) -> None:
    """Retry sleeps are injectable, so tests of retry paths never wait."""


async def main() -> None:
    async with FakeEpicServer(chargers=100, seed=7) as fake:
        expected = sum(1 for p in fake.store.ports.values() if p["status"] == "AVAILABLE")
        async with EpicClient(
            api_key=fake.api_key, base_url=fake.base_url, retry=RetryPolicy(sleep=no_wait)
        ) as client:
            assert await count_available_ports(client) == expected
            fake.fail_next(503, path="charger-port/", times=2)  # the next two answers fail
            assert await count_available_ports(client) == expected  # ...and are retried
            print(
                f"{expected} available ports; retried {client.metrics.retries} times; "
                f"server saw {fake.counters.requests} requests"
            )


if __name__ == "__main__":
    asyncio.run(main())
