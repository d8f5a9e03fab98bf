"""``FakeEpicServer`` over real HTTP with a plain ``aiohttp.ClientSession`` (not the SDK), so that
the simulator's contract (docs/wire-shapes.md) is checked independently of the client using it."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows, location_rows, user_rows


@pytest.fixture
async def fake() -> AsyncIterator[FakeEpicServer]:
    async with FakeEpicServer(chargers=60, seed=5) as server:
        yield server


@pytest.fixture
async def http(fake: FakeEpicServer) -> AsyncIterator[aiohttp.ClientSession]:
    headers = {"Token-Authorization": fake.api_key}
    async with aiohttp.ClientSession(base_url=fake.base_url, headers=headers) as session:
        yield session


async def call(
    session: aiohttp.ClientSession, method: str, path: str, body: Any = None
) -> tuple[int, Any]:
    async with session.request(method, path, json=body) as resp:
        return resp.status, await resp.json(content_type=None)


# --- listing --------------------------------------------------------------------------------


async def test_pages_follow_drf_limit_offset_with_a_silent_cap() -> None:
    async with (
        FakeEpicServer(chargers=30, max_limit=10) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        status, page = await call(session, "GET", fake.base_url + "charger/?limit=50&offset=5")
        assert status == 200 and set(page) == {"count", "next", "previous", "results"}
        assert page["count"] == 30 and len(page["results"]) == 10  # capped, silently
        assert page["next"] == fake.base_url + "charger/?limit=10&offset=15"
        assert page["previous"] == fake.base_url + "charger/?limit=10"
        expected = [c["id"] for c in fake.store.list_chargers()][5:15]
        assert [c["id"] for c in page["results"]] == expected  # insertion order
        _, last = await call(session, "GET", fake.base_url + "charger/?limit=10&offset=20")
        assert last["next"] is None
        for bad in ("limit=-1", "offset=x"):
            status, body = await call(session, "GET", fake.base_url + "charger/?" + bad)
            assert status == 400 and bad.split("=")[0] in body


async def test_list_items_and_details_have_the_documented_shapes(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    _, page = await call(http, "GET", "charger/?limit=1")
    item = page["results"][0]
    assert set(item) == {
        *("id", "custom_id", "charger_point_id", "status", "location_name", "temperature"),
        *("payment_type", "id_tag_required", "customer_qr_code", "ports", "charger_group"),
    }
    assert item["payment_type"] in ("Paid", "Free") and set(item["status"]) == {"key", "value"}
    assert 400 < len(orjson.dumps(item)) < 1000  # realistic size: ~650 bytes
    status, detail = await call(http, "GET", f"charger/{item['id']}/")
    assert status == 200 and detail["payment_type"] in ("PAID", "FREE")
    port = detail["ports"][0]
    assert set(port["connector_type"]) == {"key", "value"}
    assert port["max_current"] is None or isinstance(port["max_current"], str)
    assert (await call(http, "GET", "charger/nope/"))[0] == 404
    assert await call(http, "GET", "nowhere/") == (404, {"detail": "Not found."})
    assert (await call(http, "DELETE", f"charger/{item['id']}/"))[0] == 405


async def test_filters_and_django_filter_errors(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    _, page = await call(http, "GET", "charger/?status=AVAILABLE&current_type=AC&limit=1000")
    expected = fake.store.list_chargers(status="AVAILABLE", current_type="AC")
    assert page["count"] == len(expected) > 0
    assert [c["id"] for c in page["results"]] == [c["id"] for c in expected]
    status, body = await call(http, "GET", "charger/?status=FOO")
    assert status == 400
    assert body == {"status": ["Select a valid choice. FOO is not one of the available choices."]}
    charger_id = next(iter(fake.store.chargers))
    _, ports = await call(http, "GET", f"charger-port/?charger={charger_id}")
    assert {p["id"] for p in ports["results"]} == set(fake.store.chargers[charger_id]["port_ids"])
    _, ordered = await call(http, "GET", "charger-port/?ordering=-max_power&limit=1000")
    powers = [p["max_power"] for p in ordered["results"]]
    assert powers == sorted(powers, reverse=True)
    _, report = await call(http, "GET", f"report/fault/?charger={charger_id}&limit=1000")
    assert report["count"] == sum(f["charger_id"] == charger_id for f in fake.store.faults.values())


async def test_auth_answers_401_and_403_like_drf() -> None:
    keys = {"full": {"read", "write"}, "reader": {"read"}, "writer": {"write"}}
    async with FakeEpicServer(chargers=3, api_keys=keys) as fake, aiohttp.ClientSession() as s:
        assert fake.api_key == "full"
        url = fake.base_url + "charger/"

        async def status_for(method: str, target: str, key: str | None) -> tuple[int, Any]:
            headers = {} if key is None else {"Token-Authorization": key}
            async with s.request(method, target, headers=headers, json={"chargers": []}) as r:
                return r.status, await r.json()

        no_key = (401, {"detail": "Authentication credentials were not provided."})
        assert await status_for("GET", url, None) == no_key
        assert await status_for("GET", url, "wrong") == (401, {"detail": "Invalid token."})
        assert (await status_for("GET", url, "Bearer full"))[0] == 401  # the raw key only
        denied = (403, {"detail": "You do not have permission to perform this action."})
        assert await status_for("GET", url, "writer") == denied
        assert await status_for("POST", fake.base_url + "chargers", "reader") == denied
        assert (await status_for("GET", url, "reader"))[0] == 200
        assert fake.counters.by_status == {401: 3, 403: 2, 200: 1}


# --- bulk creates -----------------------------------------------------------------------------


async def test_bulk_errors_are_nested_per_item_and_nothing_is_created(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = list(charger_rows(4, prefix="NEW"))
    del rows[1]["manufacturer"]
    rows[2]["ports"][0]["connector_type"] = "TYPE_9"
    before = len(fake.store.chargers)
    status, body = await call(http, "POST", "chargers", {"chargers": rows})
    assert status == 400
    assert body["chargers"][0] == {} and body["chargers"][3] == {}
    assert body["chargers"][1] == {"manufacturer": ["This field is required."]}
    assert body["chargers"][2]["ports"][0] == {
        "connector_type": ['"TYPE_9" is not a valid choice.']
    }
    assert len(fake.store.chargers) == before and fake.counters.created_ids == []
    assert await call(http, "POST", "chargers", {"rows": []}) == (
        400,
        {"chargers": ["This field is required."]},
    )


async def test_bulk_create_answers_details_in_input_order(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = list(charger_rows(3, prefix="OK"))
    status, body = await call(http, "POST", "chargers", {"chargers": rows})
    assert status == 201
    assert [c["charger_point_id"] for c in body["chargers"]] == ["OK-000000", "OK-000001", "OK-000002"]  # fmt: skip
    assert fake.counters.created_ids == [c["id"] for c in body["chargers"]]
    _, listed = await call(http, "GET", "charger/?limit=3&offset=60")
    assert [c["id"] for c in listed["results"]] == fake.counters.created_ids
    again = await call(http, "POST", "chargers", {"chargers": rows[:1] + rows[:1]})
    assert again[0] == 400  # taken in the store, and repeated within the batch
    assert "already exists" in again[1]["chargers"][0]["charger_point_id"][0]
    fresh = list(charger_rows(2, prefix="DUP"))
    fresh[1]["charger_point_id"] = fresh[0]["charger_point_id"]
    status, body = await call(http, "POST", "chargers", {"chargers": fresh})
    assert status == 400 and body["chargers"][0] == {} and "charger_point_id" in body["chargers"][1]


async def test_locations_and_users(fake: FakeEpicServer, http: aiohttp.ClientSession) -> None:
    status, body = await call(http, "POST", "locations", {"locations": list(location_rows(2))})
    assert status == 201 and all("id" in loc for loc in body["locations"])
    status, body = await call(http, "POST", "users", {"users": list(user_rows(2))})
    assert status == 200 and all("uuid" in user for user in body["users"])  # 200, not 201
    status, body = await call(http, "POST", "users", {"users": [{"email": "not-mail"}]})
    assert status == 400 and "email" in body["users"][0] and "role" in body["users"][0]
    uuid = fake.counters.created_ids[-1]
    assert (await call(http, "GET", f"user/{uuid}/"))[1]["email"] == "user1@example.com"


async def test_oversize_batches(fake: FakeEpicServer, http: aiohttp.ClientSession) -> None:
    fake.configure(max_batch=2)
    rows = list(charger_rows(3))
    too_many = {"chargers": ["Ensure this field has no more than 2 elements."]}
    assert await call(http, "POST", "chargers", {"chargers": rows}) == (400, too_many)
    fake.configure(oversize_status=413)
    assert (await call(http, "POST", "chargers", {"chargers": rows}))[0] == 413


async def test_port_actions_follow_ocpp(fake: FakeEpicServer, http: aiohttp.ClientSession) -> None:
    port = next(p for p in fake.store.ports.values() if p["status"] == "AVAILABLE")
    base = f"charger-port/{port['id']}/"
    status, body = await call(http, "POST", base + "reserve/", {})
    assert status == 400 and set(body) == {"id_tag", "expiry_date"}
    reserve = {"id_tag": "T1", "expiry_date": "2030-01-01T00:00:00+00:00"}
    assert (await call(http, "POST", base + "reserve/", reserve))[1] == {"status": "Accepted"}
    assert (await call(http, "POST", base + "start/", {"id_tag": "T2"}))[1]["status"] == "Rejected"
    assert (await call(http, "POST", base + "start/", {"id_tag": "T1"}))[1]["status"] == "Accepted"
    assert (await call(http, "POST", base + "reserve/", reserve))[1]["status"] == "Occupied"
    assert (await call(http, "POST", base + "stop/", {}))[1]["status"] == "Accepted"
    assert port["status"] == "AVAILABLE"
    status, patched = await call(http, "PATCH", base, {"charging_speed": 7.4, "junk": 1})
    assert status == 200 and patched["charging_speed"] == 7.4
    assert fake.counters.by_route["POST charger-port/{id}/reserve/"] == 3


# --- faults, rate limit, counters -------------------------------------------------------------


async def test_planned_faults(fake: FakeEpicServer, http: aiohttp.ClientSession) -> None:
    fake.fail_next(429, path="charger/", retry_after=0.25)
    async with http.get("charger/") as resp:
        assert resp.status == 429 and resp.headers["Retry-After"] == "0.25"
    fake.fail_next("redirect", method="GET")
    async with http.get("charger/", allow_redirects=False) as resp:
        assert resp.status == 302 and resp.headers["Location"] == "http://evil.example.com/steal"
    fake.fail_next("no_count", path="limit=5")
    _, page = await call(http, "GET", "charger/?limit=5")
    assert "count" not in page and len(page["results"]) == 5
    fake.fail_next("garbage")
    async with http.get("charger/") as resp:
        assert resp.status == 200 and await resp.read() == b"not json at all"
    fake.fail_next("html")
    async with http.get("charger/") as resp:
        assert resp.status == 502 and resp.content_type == "text/html"
    fake.fail_next("empty_204")
    async with http.get("charger/") as resp:
        assert resp.status == 204 and await resp.read() == b""
    fake.fail_next("truncated")
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.get("charger/") as resp:
            await resp.read()
    fake.fail_next(503, body={"detail": "custom"})
    assert await call(http, "GET", "charger/") == (503, {"detail": "custom"})
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fail_next("explode")
    assert fake.counters.faults_injected == 8


async def test_drops_before_and_after_the_commit(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    rows = list(charger_rows(2, prefix="LOST"))
    fake.fail_next("drop", path="chargers")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "POST", "chargers", {"chargers": rows[:1]})
    assert fake.counters.created_ids == []  # dropped before processing: nothing committed
    fake.fail_next("commit_then_drop", path="chargers")
    with pytest.raises((aiohttp.ServerDisconnectedError, aiohttp.ClientOSError)):
        await call(http, "POST", "chargers", {"chargers": rows[1:]})
    assert len(fake.counters.created_ids) == 1  # committed, answer lost
    assert any(c["charger_point_id"] == "LOST-000001" for c in fake.store.chargers.values())


async def test_the_token_bucket_throttles_with_retry_after() -> None:
    async with (
        FakeEpicServer(chargers=3, rate=5, burst=2) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        answers = []
        for _ in range(4):
            async with session.get(fake.base_url + "charger/") as resp:
                answers.append((resp.status, resp.headers.get("Retry-After")))
        assert [s for s, _ in answers] == [200, 200, 429, 429]
        assert 0 < float(answers[2][1] or 0) <= 0.2  # the time until the next token
        assert fake.counters.throttled == 2 and fake.counters.by_status[429] == 2
        fake.configure(retry_after=3.0)
        async with session.get(fake.base_url + "charger/") as resp:
            assert resp.status == 429 and resp.headers["Retry-After"] == "3"


async def test_counters_and_random_faults(
    fake: FakeEpicServer, http: aiohttp.ClientSession
) -> None:
    charger_id = next(iter(fake.store.chargers))
    await call(http, "GET", f"charger/{charger_id}/?x=1")
    method, path, query, at = fake.counters.request_log[-1]
    assert (method, path, query) == ("GET", f"charger/{charger_id}/", {"x": "1"})
    assert at <= time.monotonic()
    assert fake.counters.by_route == {"GET charger/{id}/": 1}
    assert fake.counters.max_in_flight == 1 and fake.counters.in_flight == 0
    fake.reset_counters()
    fake.configure(fault_rate=1.0, fault_statuses=(500,))
    assert (await call(http, "GET", "charger/"))[0] == 500
    assert fake.counters.faults_injected == 1 and fake.counters.requests == 1
    with pytest.raises(TypeError):
        fake.configure(nonsense=1)


async def test_prerendered_pages_follow_changes() -> None:
    async with (
        FakeEpicServer(chargers=20, prerender=True) as fake,
        aiohttp.ClientSession(headers={"Token-Authorization": fake.api_key}) as session,
    ):
        url = fake.base_url + "charger/?limit=5"
        first = (await call(session, "GET", url))[1]["results"][0]["id"]
        fake.store.delete_charger(first)
        page = (await call(session, "GET", url))[1]
        assert page["count"] == 19 and page["results"][0]["id"] != first


def test_the_same_seed_gives_the_same_fleet() -> None:
    one, two = FakeEpicServer(chargers=20, seed=9), FakeEpicServer(chargers=20, seed=9)
    assert list(one.store.chargers) == list(two.store.chargers)
    assert list(one.store.sessions) == list(two.store.sessions)


# --- thread and process -----------------------------------------------------------------------


def _get(url: str, key: str) -> Any:
    request = urllib.request.Request(url, headers={"Token-Authorization": key})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_run_in_thread_serves_sync_callers() -> None:
    with FakeEpicServer(chargers=7).run_in_thread() as fake:
        assert _get(fake.base_url + "charger/", fake.api_key)["count"] == 7
        fake.fail_next(503)
        with pytest.raises(urllib.error.HTTPError) as failure:
            _get(fake.base_url + "charger/", fake.api_key)
        failure.value.close()
        assert failure.value.code == 503
        assert fake.counters.requests == 2


def test_run_in_process_serves_and_reports_counters() -> None:
    with FakeEpicServer.run_in_process(chargers=20, seed=3) as sim:
        assert _get(sim.base_url + "charger/?limit=5", sim.api_key)["count"] == 20
        counters = sim.counters()
        assert counters["requests"] == 1 and counters["by_route"] == {"GET charger/": 1}
        sim.configure(fault_rate=1.0, fault_statuses=[418])
        with pytest.raises(urllib.error.HTTPError) as failure:
            _get(sim.base_url + "charger/", sim.api_key)
        failure.value.close()
        assert failure.value.code == 418
        sim.reset_counters()
        assert sim.counters()["requests"] == 0


async def test_previous_links_follow_drf(server: FakeEpicServer) -> None:
    """DRF's LimitOffsetPagination drops ``offset`` from the link back to the first page."""
    async with aiohttp.ClientSession(headers={"Token-Authorization": server.api_key}) as session:
        async with session.get(f"{server.base_url}charger/?limit=10&offset=10") as answer:
            back_to_first = (await answer.json())["previous"]
        async with session.get(f"{server.base_url}charger/?limit=10&offset=25") as answer:
            back = (await answer.json())["previous"]
    assert back_to_first.endswith("charger/?limit=10") and back.endswith("limit=10&offset=15")
