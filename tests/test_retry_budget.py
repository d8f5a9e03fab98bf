"""The retry budget over loopback: an outage costs each request once plus the budget, copies share
it, successes refill it, timeouts cost double; ``retry_budget=None`` turns it off."""

from __future__ import annotations

import pytest

from epic_async import EpicClient, EpicTimeoutError, RetryBudget, RetryPolicy, ServerError, Timeouts
from epic_async.testing import FakeEpicServer

from .conftest import SleepRecorder, make_client
from .test_transport import some_charger_id


async def outage(server: FakeEpicServer, retry: RetryPolicy, gets: int) -> EpicClient:
    """``gets`` GETs, one after the other, against an API answering 503 to each of them."""
    server.fail_next(503, path="charger/", times=10_000)
    client = make_client(server, rate_limit=None, retry=retry)
    async with client:
        for _ in range(gets):
            with pytest.raises(ServerError):
                await client.chargers.get(some_charger_id(server))
    return client


async def test_an_outage_costs_each_request_once_plus_the_retry_budget(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    retry = RetryPolicy(max_attempts=4, retry_budget=RetryBudget(capacity=50), sleep=sleeps)
    client = await outage(server, retry, gets=30)
    # 50 / 5 = 10 retries in all; after them each request is sent once and raised at once.
    assert server.counters.requests == 30 + 10
    assert client.metrics.retries == 10
    assert client.metrics.retries_refused == 30 - 10 // 3


async def test_without_a_budget_an_outage_costs_max_attempts_per_request(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    client = await outage(server, RetryPolicy(retry_budget=None, sleep=sleeps), gets=30)
    assert server.counters.requests == 30 * 4
    assert client.metrics.retries_refused == 0


async def test_timeouts_cost_the_budget_twice_as_much(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    server.fail_next("hang", path="charger/", times=20, hang=5)
    retry = RetryPolicy(retry_budget=RetryBudget(capacity=20), sleep=sleeps)
    async with make_client(
        server, rate_limit=None, retry=retry, timeouts=Timeouts(total=0.05)
    ) as client:
        with pytest.raises(EpicTimeoutError):
            await client.chargers.get(some_charger_id(server))
        assert client.metrics.retries == 2  # 10 each: two retries, the third refused
        assert client.metrics.retries_refused == 1


async def test_the_budget_is_shared_with_copies_and_refilled_by_successes(
    server: FakeEpicServer, sleeps: SleepRecorder
) -> None:
    budget = RetryBudget(capacity=20)
    async with make_client(server, retry=RetryPolicy(retry_budget=budget, sleep=sleeps)) as client:
        patient = client.with_options(
            retry=RetryPolicy(max_attempts=8, retry_budget=budget, sleep=sleeps)
        )
        quota = client._transport.shared.retry_quota(budget)
        assert quota is patient._transport.shared.retry_quota(budget)
        server.fail_next(503, path="charger/", times=3)
        await patient.chargers.get(some_charger_id(server))  # 3 retries: 15 taken, 15 refunded
        assert quota is not None and quota.available == 20
        server.fail_next(503, path="charger/", times=6)
        with pytest.raises(ServerError):
            await patient.chargers.get(some_charger_id(server))  # 4 retries empty it
        assert quota.available == 0
        with pytest.raises(ServerError):
            await client.chargers.get(some_charger_id(server))  # the original: refused at once
        assert client.metrics.retries_refused == 2
        for _ in range(5):  # successes at once refund 1 each
            await client.chargers.get(some_charger_id(server))
        assert quota.available == 5
