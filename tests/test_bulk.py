"""Bulk creation over loopback: every row created once, failed with its index, or unknown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from epic_async import BulkCreateError, EpicClient, RateLimit
from epic_async._bulk_answers import Verdict, classify
from epic_async._bulk_result import BulkResult
from epic_async.models import ChargerCreate, ConnectorType, CurrentType, PortCreate
from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows, invalid_indexes, location_rows, user_rows

from .conftest import SleepRecorder, make_client


def assert_every_index_once(result: BulkResult[Any], total: int) -> None:
    indexes = (
        result.created_indexes
        + [f.index for f in result.failed]
        + [u.index for u in result.unknown]
    )
    assert sorted(indexes) == list(range(total))
    assert len(result) == total


def test_classify_a_refused_batch() -> None:
    three: list[dict[str, Any]] = [{}, {}, {}]
    per_item = {"chargers": [{}, {"model": ["This field is required."]}, {}]}
    answer = classify(400, per_item, "chargers", three)
    assert answer.verdict is Verdict.ITEM_ERRORS
    assert {i: e.errors for i, e in answer.items.items()} == {
        1: {"model": ["This field is required."]}
    }
    too_many = {"chargers": ["Ensure this field has no more than 50 elements."]}
    assert classify(400, too_many, "chargers", [{}] * 80).cap == 50
    assert classify(413, None, "chargers", [{}] * 80).verdict is Verdict.TOO_LARGE
    other = classify(400, {"detail": "JSON parse error"}, "chargers", three)
    assert other.verdict is Verdict.REFUSED
    assert other.errors == {"detail": ["JSON parse error"]}
    assert other.raw == {"detail": "JSON parse error"}


async def test_models_and_dicts_are_created_in_input_order(
    server: FakeEpicServer, client: EpicClient
) -> None:
    model = ChargerCreate(
        charger_point_id="CP-MODEL",
        manufacturer="epic_ocpp",
        model="epic_home",
        rfid_required=False,
        current_type=CurrentType.AC,
        ports=[
            PortCreate(
                connector_id=1, connector_type=ConnectorType.J1772, max_current=32, current=32
            )
        ],
    )
    rows: list[Any] = [*charger_rows(5, prefix="T"), model]
    result = await client.chargers.create_many(rows, batch_size=2)
    assert result.ok
    assert [c.charger_point_id for c in result.created] == [
        *(f"T-{i:06d}" for i in range(5)),
        "CP-MODEL",
    ]
    assert result.created_indexes == list(range(6))
    assert server.counters.by_route["POST chargers"] == 3


async def test_invalid_rows_fail_locally_with_index_and_fields(
    server: FakeEpicServer, client: EpicClient
) -> None:
    rows = list(charger_rows(40, prefix="V", invalid_every=10))
    result = await client.chargers.create_many(rows, batch_size=100)
    bad = invalid_indexes(40, 10)
    assert {f.index for f in result.failed} == bad
    assert len(result.created) == 40 - len(bad)
    assert server.counters.by_route["POST chargers"] == 1  # one batch: nothing invalid was sent
    first = result.failed[0]
    assert first.index == 9 and "manufacturer" in first.errors
    assert_every_index_once(result, 40)
    with pytest.raises(BulkCreateError, match="36 of 40 created; 4 failed"):
        result.raise_for_failures()


async def test_server_side_rejections_fail_only_those_rows(
    server: FakeEpicServer, client: EpicClient
) -> None:
    existing = next(iter(server.store.chargers.values()))["charger_point_id"]
    rows = list(charger_rows(10, prefix="S"))
    rows[4]["charger_point_id"] = existing  # only the server knows it is taken
    result = await client.chargers.create_many(rows, batch_size=10)
    assert [f.index for f in result.failed] == [4]
    assert "charger_point_id" in result.failed[0].errors
    assert len(result.created) == 9
    assert server.counters.by_route["POST chargers"] == 2  # the batch, then its valid rest


async def test_a_server_batch_cap_splits_batches(client: EpicClient) -> None:
    async with FakeEpicServer(chargers=0, max_batch=16) as capped, make_client(capped) as epic:
        result = await epic.chargers.create_many(charger_rows(100, prefix="B"), batch_size=50)
    assert result.ok
    assert len(capped.counters.created_ids) == 100


async def test_ten_thousand_rows_with_invalid_rows_and_429s_are_created_exactly_once() -> None:
    async with FakeEpicServer(
        chargers=0, fault_rate=0.05, fault_statuses=(429,), retry_after=0.001
    ) as server:
        async with make_client(server, rate_limit=RateLimit(rate=5000, burst=50)) as client:
            result = await client.chargers.create_many(
                charger_rows(10_000, prefix="X", invalid_every=100), batch_size=100, concurrency=4
            )
        bad = invalid_indexes(10_000, 100)
        assert {f.index for f in result.failed} == bad
        assert len(result.created) == 10_000 - len(bad) == 9_900
        assert result.unknown == []
        assert len(server.counters.created_ids) == 9_900
        assert len(set(server.counters.created_ids)) == 9_900
        assert server.counters.by_status[429] > 0  # the faults really happened
        assert_every_index_once(result, 10_000)


async def test_a_lost_answer_is_unknown_and_never_resent_blindly(
    server: FakeEpicServer, client: EpicClient, sleeps: SleepRecorder
) -> None:
    server.fail_next("commit_then_drop", path="chargers")
    result = await client.chargers.create_many(
        charger_rows(30, prefix="U"), batch_size=10, concurrency=1
    )
    assert [u.index for u in result.unknown] == list(range(10))
    assert len(result.created) == 20
    assert len(server.counters.created_ids) == 30  # the lost batch was committed, and only once
    assert "unknown" in repr(result)


async def test_reconcile_resolves_unknown_rows_without_duplicates(
    server: FakeEpicServer, client: EpicClient
) -> None:
    server.fail_next("commit_then_drop", path="chargers")  # committed, answer lost
    server.fail_next("drop", path="chargers")  # lost before the server processed it
    result = await client.chargers.create_many(
        charger_rows(30, prefix="R"), batch_size=10, concurrency=1, reconcile=True
    )
    assert result.ok
    assert [c.charger_point_id for c in result.created] == [f"R-{i:06d}" for i in range(30)]
    assert len(server.counters.created_ids) == len(set(server.counters.created_ids)) == 30


async def test_async_iterable_input_and_progress(client: EpicClient) -> None:
    async def rows() -> AsyncIterator[dict[str, Any]]:
        for row in charger_rows(25, prefix="A"):
            yield row

    progress: list[tuple[int, int | None]] = []
    result = await client.chargers.create_many(
        rows(), batch_size=10, on_progress=lambda d, t: progress.append((d, t))
    )
    assert result.ok and len(result.created) == 25
    assert progress[-1] == (25, None)
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


async def test_locations_and_users(server: FakeEpicServer, client: EpicClient) -> None:
    locations = await client.locations.create_many(location_rows(12, prefix="L"), batch_size=5)
    assert locations.ok and [loc.custom_id for loc in locations.created][:2] == [
        "L-00000",
        "L-00001",
    ]
    users = list(user_rows(8, prefix="u"))
    users[3]["email"] = "not-an-email"
    users[5]["email"] = users[0]["email"].upper()  # duplicate, case-insensitively
    result = await client.users.create_many(users)
    assert {f.index for f in result.failed} == {3, 5}
    assert len(result.created) == 6
    assert result.created[0].uuid


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"batch_size": 0}, "batch_size"), ({"concurrency": 0}, "concurrency")],
)
async def test_bad_arguments_fail_before_any_request(
    server: FakeEpicServer, client: EpicClient, kwargs: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await client.chargers.create_many([], **kwargs)
    with pytest.raises(TypeError, match="iterable"):
        await client.chargers.create_many({"charger_point_id": "x"})  # type: ignore[dict-item]
    assert server.counters.requests == 0


async def test_on_created_streams_objects_instead_of_keeping_them(client: EpicClient) -> None:
    seen: dict[int, str] = {}
    result = await client.chargers.create_many(
        charger_rows(30, prefix="ST", invalid_every=10),
        batch_size=7,
        on_created=lambda index, charger: seen.setdefault(index, charger.charger_point_id),
    )
    bad = invalid_indexes(30, 10)
    assert result.created == []  # the objects went to the callback
    assert result.created_indexes == [i for i in range(30) if i not in bad]
    assert seen == {i: f"ST-{i:06d}" for i in result.created_indexes}
    assert len(result) == 30 and repr(result).startswith("BulkResult(total=30, created=27")
