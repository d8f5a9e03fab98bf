"""Drifting records and flipped statuses (``Variant.drift_share``, ``Variant.status_shape``), over
real HTTP with a plain ``aiohttp.ClientSession``: what each read endpoint sends, compared with the
canonical record the store keeps and with the pure ``drift()`` the simulator says it applied."""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import orjson
import pytest

from epic_async.testing import (
    DRIFT_FIELDS,
    DRIFT_KINDS,
    ENDPOINTS,
    DriftNote,
    Endpoint,
    FakeEpicServer,
    Variant,
    choose_drift,
    drift,
)
from epic_async.testing._drift import IDENTITY
from epic_async.testing._shape import flip_statuses
from epic_async.testing.rows import charger_rows

LISTS: dict[Endpoint, str] = {
    "charger-list": "charger/",
    "charger-port": "charger-port/",
    "location": "location/",
    "user": "user/",
    "report/charger-status": "report/charger-status/",
    "report/charger": "report/charger/",
    "report/charging-session": "report/charging-session/",
    "report/fault": "report/fault/",
    "report/transaction": "report/transaction/",
}


@pytest.fixture
async def http_factory() -> AsyncIterator[Any]:
    sessions: list[aiohttp.ClientSession] = []

    def make(fake: FakeEpicServer) -> aiohttp.ClientSession:
        headers = {"Token-Authorization": fake.api_key}
        session = aiohttp.ClientSession(base_url=fake.base_url, headers=headers)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        await session.close()


async def get(http: aiohttp.ClientSession, path: str) -> tuple[int, bytes]:
    async with http.get(path) as resp:
        return resp.status, await resp.read()


async def served_rows(
    fake: FakeEpicServer, http: aiohttp.ClientSession, endpoint: Endpoint
) -> list[dict[str, Any]]:
    """Every record ``endpoint`` serves, as sent (every page, or one detail each)."""
    rows: list[dict[str, Any]] = []
    if endpoint == "charger-detail":
        for charger_id in fake.store.chargers:
            status, body = await get(http, f"charger/{charger_id}/")
            assert status == 200
            rows.append(orjson.loads(body))
        return rows
    url: str | None = LISTS[endpoint] + "?limit=1000"
    while url is not None:
        status, body = await get(http, url)
        assert status == 200
        page = orjson.loads(body)
        rows.extend(page["results"])
        url = page["next"]
    return rows


def shaped_canonical(fake: FakeEpicServer, endpoint: Endpoint, row: dict[str, Any]) -> Any:
    """The canonical record behind a served row, in the variant's status shape."""
    canonical = fake.canonical(endpoint, row[IDENTITY[endpoint]])
    if fake.variant.status_shape == "flipped":
        return flip_statuses(canonical, endpoint)
    return canonical


async def check_every_row(
    fake: FakeEpicServer, http: aiohttp.ClientSession, endpoint: Endpoint
) -> Counter[str | None]:
    """Assert every served row is its canonical record with exactly the drift the server names;
    returns how many rows got each kind."""
    kinds: Counter[str | None] = Counter()
    for row in await served_rows(fake, http, endpoint):
        record_id = row[IDENTITY[endpoint]]
        expected = shaped_canonical(fake, endpoint, row)
        assert row[IDENTITY[endpoint]] == expected[IDENTITY[endpoint]]  # identity never drifts
        kind = fake.drift_of(record_id, endpoint)
        kinds[kind] += 1
        if kind is None:
            assert orjson.dumps(row) == orjson.dumps(expected)
            continue
        drifted, note = drift(expected, kind, endpoint)
        assert orjson.dumps(row) == orjson.dumps(drifted)  # bytes: 150 and 150.0 differ there
        assert note == fake.drift_note(record_id, endpoint)
        assert note.path[0] != IDENTITY[endpoint]
        assert note.value_in(row) == note.sent and note.value_in(expected) == note.canonical
    return kinds


@pytest.mark.parametrize("endpoint", ENDPOINTS)
async def test_every_kind_appears_on_every_endpoint_and_identity_stays(
    endpoint: Endpoint, http_factory: Any
) -> None:
    variant = Variant(drift_share=1.0)
    async with FakeEpicServer(chargers=150, locations=60, seed=11, variant=variant) as fake:
        kinds = await check_every_row(fake, http_factory(fake), endpoint)
    assert None not in kinds  # a share of 1.0 drifts every record
    expected = set(DRIFT_FIELDS[endpoint])
    if endpoint == "report/charging-session":
        expected.discard("status_string")  # a plain string until the statuses are flipped
    assert set(kinds) == expected


async def test_flipped_drift_reaches_the_session_status(http_factory: Any) -> None:
    variant = Variant(drift_share=1.0, status_shape="flipped")
    async with FakeEpicServer(chargers=60, seed=4, variant=variant) as fake:
        kinds = await check_every_row(fake, http_factory(fake), "report/charging-session")
        assert kinds["status_string"] > 0
        charger_kinds = await check_every_row(fake, http_factory(fake), "charger-list")
    assert "status_string" not in charger_kinds  # flipped: no {key, value} left to turn into one


async def test_the_share_is_about_right_on_a_thousand_records(http_factory: Any) -> None:
    async with FakeEpicServer(chargers=1000, seed=3, variant=Variant(drift_share=0.3)) as fake:
        kinds = await check_every_row(fake, http_factory(fake), "charger-list")
    drifted = sum(n for kind, n in kinds.items() if kind is not None)
    assert 250 <= drifted <= 350  # 300 expected; the draw is fixed by the seed
    assert len(kinds) == len(DRIFT_KINDS) + 1  # every kind, and the undrifted


async def test_drift_is_applied_before_prerendering_and_follows_configure(
    http_factory: Any,
) -> None:
    async with FakeEpicServer(chargers=40, seed=8, prerender=True, variant="kitchen-sink") as fake:
        http = http_factory(fake)
        kinds = await check_every_row(fake, http, "charger-list")
        assert sum(n for k, n in kinds.items() if k is not None) > 10
        fake.configure(variant=Variant())
        rows = await served_rows(fake, http, "charger-list")
        assert rows == [fake.canonical("charger-list", r["id"]) for r in rows]
        fake.configure(variant=Variant(drift_share=1.0))
        assert all(k is not None for k in await check_every_row(fake, http, "charger-list"))


async def test_no_drift_serves_the_documented_bytes(http_factory: Any) -> None:
    """``Variant()`` (and a drifting variant switched back off) answers byte for byte what the
    documented shapes give, rendered straight from the store."""
    async with FakeEpicServer(chargers=30, seed=5, variant=Variant()) as fake:
        http = http_factory(fake)
        before = {e: (await get(http, LISTS[e] + "?limit=1000"))[1] for e in LISTS}
        for endpoint, body in before.items():
            page = orjson.loads(body)
            ids = [row[IDENTITY[endpoint]] for row in page["results"]]
            items = b",".join(orjson.dumps(fake.canonical(endpoint, i)) for i in ids)
            assert body.endswith(b'"results":[' + items + b"]}")
        charger_id = next(iter(fake.store.chargers))
        detail = (await get(http, f"charger/{charger_id}/"))[1]
        assert detail == orjson.dumps(fake.canonical("charger-detail", charger_id))
        fake.configure(variant="kitchen-sink")
        assert (await get(http, "charger/?limit=1000"))[1] != before["charger-list"]
        fake.configure(variant=Variant(max_limit=None))
        assert {e: (await get(http, LISTS[e] + "?limit=1000"))[1] for e in LISTS} == before
        assert fake.drift_of(charger_id) is None and fake.drift_note(charger_id) is None


async def test_flipped_statuses(http_factory: Any) -> None:
    async with FakeEpicServer(chargers=30, seed=6, variant="flipped-statuses") as fake:
        http = http_factory(fake)
        item = orjson.loads((await get(http, "charger/?limit=1"))[1])["results"][0]
        stored = fake.store.chargers[item["id"]]
        assert item["status"] == stored["status"]
        assert all(isinstance(p["status"], str) for p in item["ports"])
        detail = orjson.loads((await get(http, f"charger/{item['id']}/"))[1])
        assert detail["status"] == stored["status"]
        assert all(isinstance(p["connector_type"], str) for p in detail["ports"])
        port = orjson.loads((await get(http, "charger-port/?limit=1"))[1])["results"][0]
        assert isinstance(port["status"], str) and isinstance(port["connector_type"], str)
        row = orjson.loads((await get(http, "report/charger-status/?limit=1"))[1])["results"][0]
        assert isinstance(row["status"], str) and isinstance(row["ports"][0]["status"], str)
        sessions = orjson.loads((await get(http, "report/charging-session/?limit=1000"))[1])
        labels = {s["status"]["key"]: s["status"]["value"] for s in sessions["results"]}
        assert labels == {
            "COMPLETED": "Completed",
            "IN_PROGRESS": "In Progress",
            "FAILED": "Failed",
        }
        fault = orjson.loads((await get(http, "report/fault/?limit=1"))[1])["results"][0]
        assert fault["severity"] in ("INFO", "WARNING", "CRITICAL")  # not a status: unchanged
        # Creates answer in the variant's shape; port actions keep their plain-string status.
        rows = list(charger_rows(1, prefix="FLIP"))
        async with http.post("chargers", json={"chargers": rows}) as resp:
            created = (await resp.json())["chargers"][0]
        assert created["status"] == "AVAILABLE"
        free = next(p for p in fake.store.ports.values() if p["status"] == "AVAILABLE")
        async with http.post(f"charger-port/{free['id']}/start/", json={}) as resp:
            assert await resp.json() == {"status": "Accepted"}
        assert fake.store.ports[free["id"]]["status"] == "CHARGING"  # the store keeps keys


# --- the pure functions -----------------------------------------------------------------------


def test_drift_leaves_its_input_alone_and_names_what_it_changed() -> None:
    fake = FakeEpicServer(chargers=20, seed=2)
    charger_id = next(iter(fake.store.chargers))
    record = fake.canonical("charger-list", charger_id)
    pristine = copy.deepcopy(record)
    for kind in DRIFT_FIELDS["charger-list"]:
        try:
            drifted, note = drift(record, kind, "charger-list")
        except ValueError:
            continue  # this record has no field for that kind (no datetime on an idle port)
        assert record == pristine and orjson.dumps(drifted) != orjson.dumps(record)
        assert isinstance(note, DriftNote) and note.kind == kind and note.record_id == charger_id
        assert note.value_in(drifted) == note.sent
    assert fake.canonical("charger-list", charger_id) == pristine  # the store never drifts
    location = fake.canonical("location", next(iter(fake.store.locations)))
    with pytest.raises(ValueError, match="status_string"):
        drift(location, "status_string", "location")


def test_each_kind_sends_what_its_name_says() -> None:
    row = {
        "id": "c1",
        "status": {"key": "AVAILABLE", "value": "Available"},
        "temperature": 21.5,
        "location_name": "Oslo Depot 1",
        "customer_qr_code": "https://q",
        "payment_type": "Paid",
        "ports": [
            {"max_power": 7.4, "charging_start_at": "2026-01-02T03:04:05+00:00"},
            {"max_power": 150.0, "charging_start_at": None},
        ],
    }
    sent = {kind: drift(row, kind, "charger-list")[1] for kind in DRIFT_KINDS}
    assert sent["status_string"].sent == "AVAILABLE"
    assert (sent["numeric_string"].path, sent["numeric_string"].sent) == (("temperature",), "21.5")
    assert sent["int_for_float"].path == ("ports", 1, "max_power")
    assert sent["int_for_float"].sent == 150 and isinstance(sent["int_for_float"].sent, int)
    assert sent["object_for_string"].sent == {"name": "Oslo Depot 1"}
    assert (sent["null_field"].path, sent["null_field"].sent) == (("temperature",), None)
    assert sent["new_nested"].path == ("telemetry",) and sent["new_nested"].canonical is None
    assert sent["enum_case"].sent == "paid"
    assert sent["datetime_z"].sent == "2026-01-02T03:04:05Z"
    assert sent["naive_datetime"].sent == "2026-01-02T03:04:05"
    user = {"uuid": "u1", "role": "driver", "status": "act", "created_at": "x"}
    assert drift(user, "enum_case", "user")[0]["role"] == "DRIVER"


def test_choose_drift_depends_on_seed_and_id_only() -> None:
    rows = [{"id": f"r{i}", "payment_type": "PAID", "amount": 1.5} for i in range(2000)]
    picks = [choose_drift(r, "report/transaction", seed=1, share=0.25) for r in rows]
    assert picks == [choose_drift(r, "report/transaction", seed=1, share=0.25) for r in rows]
    assert 400 <= sum(p is not None for p in picks) <= 600
    other = [choose_drift(r, "report/transaction", seed=2, share=0.25) for r in rows]
    assert other != picks
    assert all(choose_drift(r, "report/transaction", seed=1, share=0.0) is None for r in rows)
    # A lower share drifts a subset of the records a higher one drifts.
    low = {r["id"] for r in rows if choose_drift(r, "report/transaction", seed=1, share=0.1)}
    assert low <= {r["id"] for r, p in zip(rows, picks, strict=True) if p is not None}
