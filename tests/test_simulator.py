"""The simulator itself, driven with plain aiohttp (not the SDK), so that its contract is checked
independently of the client that relies on it."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows


@pytest.fixture
async def http(server: FakeEpicServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(
        base_url=server.base_url, headers={"Token-Authorization": server.api_key}
    ) as session:
        yield session


async def get(session: aiohttp.ClientSession, path: str) -> tuple[int, Any]:
    async with session.get(path) as resp:
        return resp.status, await resp.json(content_type=None)


async def post(session: aiohttp.ClientSession, path: str, body: Any) -> tuple[int, Any]:
    async with session.post(path, json=body) as resp:
        return resp.status, await resp.json(content_type=None)


async def test_pages_have_absolute_next_links_and_respect_max_limit() -> None:
    async with (
        FakeEpicServer(chargers=30, max_limit=10) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        async with session.get(fake.base_url + "charger/?limit=50&offset=5") as resp:
            page = await resp.json()
        assert page["count"] == 30 and len(page["results"]) == 10  # capped, silently
        assert page["next"] == fake.base_url + "charger/?limit=10&offset=15"
        assert page["previous"] == fake.base_url + "charger/?limit=10&offset=0"
        async with session.get(fake.base_url + "charger/?limit=-1") as resp:
            assert resp.status == 400 and "limit" in await resp.json()


async def test_filters_and_their_errors(
    server: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    status, page = await get(http, "charger/?status=AVAILABLE&current_type=DC&limit=1000")
    assert status == 200
    expected = [
        c
        for c in server.store.chargers.values()
        if c["status"] == "AVAILABLE" and c["current_type"] == "DC"
    ]
    assert page["count"] == len(expected) > 0
    status, errors = await get(http, "charger/?status=SLEEPING")
    assert status == 400 and "SLEEPING" in errors["status"][0]
    status, _ = await get(http, "charger/nope/")
    assert status == 404


async def test_auth_and_scopes() -> None:
    keys = {"rw": {"read", "write"}, "ro": {"read"}}
    async with (
        FakeEpicServer(chargers=3, api_keys=keys) as fake,
        aiohttp.ClientSession() as session,
    ):
        url = fake.base_url + "charger/"
        async with session.get(url) as resp:
            assert resp.status == 401
        async with session.get(url, headers={"Token-Authorization": "Bearer rw"}) as resp:
            assert resp.status == 401  # the raw key, no prefix
        async with session.get(url, headers={"Token-Authorization": "ro"}) as resp:
            assert resp.status == 200
        post_url = fake.base_url + "chargers"
        async with session.post(
            post_url, json={"chargers": []}, headers={"Token-Authorization": "ro"}
        ) as resp:
            assert resp.status == 403


async def test_bulk_create_is_all_or_nothing_with_per_item_errors(
    server: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = list(charger_rows(3, prefix="SIM"))
    rows[1]["ports"][0]["connector_type"] = "TYPE_9"
    del rows[2]["manufacturer"]
    before = len(server.store.chargers)
    status, body = await post(http, "chargers", {"chargers": rows})
    assert status == 400
    assert body["chargers"][0] == {}
    assert "TYPE_9" in body["chargers"][1]["ports"][0]["connector_type"][0]
    assert body["chargers"][2] == {"manufacturer": ["This field is required."]}
    assert len(server.store.chargers) == before and server.counters.created_ids == []

    good = list(charger_rows(2, prefix="OK"))
    status, body = await post(http, "chargers", {"chargers": good})
    assert status == 201
    assert [c["charger_point_id"] for c in body["chargers"]] == ["OK-000000", "OK-000001"]
    assert server.counters.created_ids == [c["id"] for c in body["chargers"]]
    status, body = await post(http, "chargers", {"chargers": good[:1]})
    assert status == 400 and "already exists" in body["chargers"][0]["charger_point_id"][0]


async def test_oversized_batches_are_refused(
    server: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    server.configure(max_batch=2)
    status, body = await post(http, "chargers", {"chargers": list(charger_rows(3))})
    assert status == 400 and "no more than 2" in body["chargers"][0]
    server.configure(oversize_status=413)
    status, _ = await post(http, "chargers", {"chargers": list(charger_rows(3))})
    assert status == 413


async def test_users_answer_200_and_locations_201(
    server: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    from epic_async.testing.rows import location_rows, user_rows

    status, body = await post(http, "users", {"users": list(user_rows(2, prefix="sim"))})
    assert status == 200 and all("uuid" in u for u in body["users"])
    status, body = await post(http, "locations", {"locations": list(location_rows(2))})
    assert status == 201 and all("id" in loc for loc in body["locations"])


async def test_planned_faults(server: FakeEpicServer, http: aiohttp.ClientSession) -> None:
    server.fail_next(429, path="charger/", retry_after=0.25)
    async with http.get("charger/") as resp:
        assert resp.status == 429 and resp.headers["Retry-After"] == "0.25"
    server.fail_next("redirect", path="charger/")
    async with http.get("charger/", allow_redirects=False) as resp:
        assert resp.status == 302 and "evil.example.com" in resp.headers["Location"]
    server.fail_next("no_count")
    status, page = await get(http, "charger/")
    assert status == 200 and "count" not in page and page["results"]
    server.fail_next("commit_then_drop", path="chargers")
    with pytest.raises(aiohttp.ClientError):
        await post(http, "chargers", {"chargers": list(charger_rows(1, prefix="LOST"))})
    assert len(server.counters.created_ids) == 1  # committed, answer lost
    with pytest.raises(ValueError, match="unknown fault"):
        server.fail_next("explode")
    assert server.counters.faults_injected == 4


async def test_server_token_bucket_throttles() -> None:
    async with (
        FakeEpicServer(chargers=3, rate=5, burst=2, retry_after=None) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        statuses = []
        for _ in range(4):
            async with session.get(fake.base_url + "charger/") as resp:
                statuses.append(resp.status)
                retry_after = resp.headers.get("Retry-After")
        assert statuses[:2] == [200, 200] and 429 in statuses[2:]
        assert retry_after is not None and 0 < float(retry_after) <= 0.2
        assert fake.counters.throttled == statuses.count(429)


def test_run_in_process_serves_and_reports_counters() -> None:
    with FakeEpicServer.run_in_process(chargers=20, seed=3) as sim:
        request = urllib.request.Request(
            sim.base_url + "charger/?limit=5", headers={"Token-Authorization": sim.api_key}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            assert json.loads(answer.read())["count"] == 20
        sim.configure(latency=0.001)
        counters = sim.counters()
        assert counters["requests"] == 1 and counters["by_route"] == {"GET charger/": 1}
        sim.reset_counters()
        assert sim.counters()["requests"] == 0
