"""Pager over loopback: fan-out, order, early exit, dedupe, short pages, faults."""

from __future__ import annotations

import asyncio

import pytest

from epic_async import EpicClient, PaginationError, RetryPolicy
from epic_async._pagination import check_pager_args, plan_offsets
from epic_async.testing import FakeEpicServer

from .conftest import SleepRecorder, make_client


def test_plan_offsets_after_the_first_page() -> None:
    assert list(plan_offsets(250, 100, None)) == [100, 200]
    assert list(plan_offsets(250, 100, 150)) == [100]
    assert list(plan_offsets(100, 100, None)) == []


@pytest.mark.parametrize(
    ("args", "name"),
    [((0, 1, None), "page_size"), ((10, 0, None), "concurrency"), ((10, 1, -1), "max_items")],
)
def test_bad_paging_arguments_fail_before_any_request(
    args: tuple[int, int, int | None], name: str
) -> None:
    with pytest.raises(ValueError, match=name):
        check_pager_args(*args)


async def test_lists_everything_once_in_server_order(
    server: FakeEpicServer, client: EpicClient
) -> None:
    chargers = await client.chargers.list(page_size=30, concurrency=4).collect()
    expected = [c["id"] for c in server.store.list_chargers()]
    assert [c.id for c in chargers] == expected
    assert len(expected) == 250
    assert server.counters.by_route["GET charger/"] == 9  # ceil(250 / 30)


async def test_pages_are_fetched_concurrently(server: FakeEpicServer, client: EpicClient) -> None:
    server.configure(latency=0.02)
    await client.chargers.list(page_size=10, concurrency=6).collect()
    assert server.counters.max_in_flight == 6


async def test_unordered_yields_every_item_once(server: FakeEpicServer, client: EpicClient) -> None:
    ids = [c.id async for c in client.chargers.list(page_size=25, concurrency=5, ordered=False)]
    assert sorted(ids) == sorted(server.store.chargers)


async def test_server_cap_on_limit_is_followed(client: EpicClient) -> None:
    async with FakeEpicServer(chargers=120, max_limit=25) as capped:
        async with make_client(capped) as epic:
            items = await epic.chargers.list(page_size=100).collect()
        assert len({c.id for c in items}) == 120
        assert capped.counters.by_route["GET charger/"] == 5


async def test_max_items_stops_early(server: FakeEpicServer, client: EpicClient) -> None:
    items = await client.chargers.list(page_size=20, max_items=45).collect()
    assert len(items) == 45
    assert server.counters.by_route["GET charger/"] == 3


async def test_filters_reach_the_server(server: FakeEpicServer, client: EpicClient) -> None:
    items = await client.chargers.list(
        status="AVAILABLE", current_type="DC", page_size=10
    ).collect()
    assert items and all(c.status.key == "AVAILABLE" for c in items)
    _, _, query, _ = server.counters.request_log[-1]
    assert query["status"] == "AVAILABLE" and query["current_type"] == "DC"


async def test_breaking_out_early_leaves_no_task_behind(server_in_thread: FakeEpicServer) -> None:
    # The server runs on its own thread, so every task on this loop belongs to the client.
    server_in_thread.configure(latency=0.01)
    async with make_client(server_in_thread) as client:
        async for _ in client.chargers.list(page_size=10, concurrency=8):
            break
    for _ in range(100):  # let the generator's finaliser run (loop turns, not wall time)
        if len(asyncio.all_tasks()) == 1:
            break
        await asyncio.sleep(0)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_transient_page_faults_are_retried_and_nothing_is_lost(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next(503, path="offset=60")
    server.fail_next(429, path="offset=120", retry_after=0.01)
    server.fail_next("drop", path="offset=180", times=2)  # aiohttp resends once by itself
    ids = [c.id for c in await client.chargers.list(page_size=20, concurrency=4).collect()]
    assert sorted(ids) == sorted(server.store.chargers)
    assert len(ids) == len(set(ids))
    assert len(sleeps.delays) == 3


async def test_a_page_that_keeps_failing_names_the_missing_offsets(server: FakeEpicServer) -> None:
    server.fail_next(503, path="offset=100", times=10)
    async with make_client(
        server, retry=RetryPolicy(max_attempts=2, sleep=SleepRecorder())
    ) as client:
        with pytest.raises(PaginationError) as caught:
            await client.chargers.list(page_size=50, concurrency=2).collect()
    assert 100 in caught.value.missing_offsets
    assert "offset 100" in str(caught.value)


async def test_count_growing_mid_listing_still_yields_every_record_once(
    server: FakeEpicServer, client: EpicClient
) -> None:
    seen: list[str] = []
    async for charger in client.chargers.list(page_size=50, concurrency=1):
        seen.append(charger.id)
        if len(seen) == 1:
            server.store.add_random_chargers(7)
        if len(seen) == 60:
            server.store.delete_charger(seen[10])  # shifts later offsets back by one
    assert len(seen) == len(set(seen))
    assert set(server.store.chargers) <= set(seen)


async def test_max_items_asks_for_no_more_than_it_keeps(
    server: FakeEpicServer, client: EpicClient
) -> None:
    assert len(await client.chargers.list(max_items=2).collect()) == 2
    assert len(await client.chargers.list(max_items=150, page_size=100).collect()) == 150
    queries = [query for _, path, query, _ in server.counters.request_log if path == "charger/"]
    assert [(q["limit"], q["offset"]) for q in queries] == [
        ("2", "0"),
        ("100", "0"),
        ("100", "100"),
    ]


async def test_awaiting_a_pager_says_what_to_do_instead(client: EpicClient) -> None:
    pager = client.chargers.list()
    with pytest.raises(TypeError, match=r"await pager.collect\(\)"):
        await pager
