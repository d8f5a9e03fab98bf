"""Bulk creation against a real Django REST Framework 3.18 app over loopback (``tests/drf_server``).

DRF's own ``ListSerializer(max_length=50)`` inside a parent serializer, its per-item errors (a
dict keyed by index by default, the deprecated list form on request, nested ports either way),
its ``NON_FIELD_ERRORS_KEY`` setting, and a view that looks a foreign key up itself decide every
answer. Each test checks that every valid row is created exactly once (``created_count()``), that
exactly the rows at fault fail with DRF's errors, that nothing is unknown, that input order is
kept, and that progress only moves forward.

The server is the session-wide one of ``tests/conftest.py`` (Django allows one per process),
re-seeded before each test by the ``drf`` fixture.
"""

from __future__ import annotations

from typing import Any

import pytest

from epic_async import EpicClient, RetryPolicy
from epic_async._bulk import remembered_cap
from epic_async.testing.rows import charger_rows

from .conftest import SleepRecorder
from .drf_server import DrfServer

MISSING_ID = "00000000-0000-4000-8000-000000000000"
TOO_MANY = "Ensure this field has no more than 50 elements."
TAKEN = "charger with this charger point id already exists."
DC_POWER = "This field is required for a DC connector."
NO_LOCATION = "Location matching query does not exist."


def client_for(server: DrfServer) -> EpicClient:
    return EpicClient(
        api_key=server.api_key,
        base_url=server.base_url,
        rate_limit=None,
        retry=RetryPolicy(sleep=SleepRecorder()),
    )


class Progress:
    def __init__(self) -> None:
        self.done: list[int] = []
        self.last: tuple[int, int | None] | None = None

    def __call__(self, done: int, total: int | None) -> None:
        self.done.append(done)
        self.last = (done, total)


def posts(server: DrfServer) -> list[int]:
    return [r.status for r in server.requests if r.method == "POST"]


@pytest.mark.parametrize("error_key", ["non_field_errors", "errors"])
async def test_a_batch_over_drfs_max_length_is_split_and_the_cap_learned(
    drf: DrfServer, error_key: str
) -> None:
    """The issue's 200-row import: DRF refuses 100 rows with ``{"chargers": {"non_field_errors":
    [...50 elements.]}}`` (under any ``NON_FIELD_ERRORS_KEY``); every row is created once."""
    rows = list(charger_rows(200, prefix="CAP"))
    progress = Progress()
    with drf.drf_settings(NON_FIELD_ERRORS_KEY=error_key):
        async with client_for(drf) as client:
            result = await client.chargers.create_many(
                rows, batch_size=100, concurrency=2, on_progress=progress
            )
            cap = remembered_cap(client._transport, client.base_url + "chargers")
            later = await client.chargers.create_many(
                charger_rows(60, prefix="LATER"), batch_size=100
            )
    assert result.ok and result.created_indexes == list(range(200))
    assert [c.charger_point_id for c in result.created] == [r["charger_point_id"] for r in rows]
    assert cap == 50
    assert sorted(posts(drf)[:6]) == [201] * 4 + [400] * 2  # two batches of 100, four of 50
    assert later.ok and posts(drf)[6:] == [201, 201]  # started at 50: no refusal
    assert drf.created_count() == 260
    assert progress.done == sorted(progress.done) and progress.last == (200, 200)


def rows_only_drf_refuses() -> list[dict[str, Any]]:
    """Rows the SDK accepts and DRF does not: a NACS port with amperes (DRF counts NACS as DC and
    wants kW) in row 1, a charger_point_id the seed already holds in row 7."""
    rows = list(charger_rows(10, prefix="BAD"))
    rows[1]["current_type"] = "NACS"
    rows[1]["ports"] = [
        {"connector_id": 1, "connector_type": "TYPE_2", "max_current": 32, "current": 32},
        {"connector_id": 2, "connector_type": "NACS", "max_current": 48, "current": 48},
    ]
    rows[7]["charger_point_id"] = "SEED-00003"
    return rows


def assert_only_rows_1_and_7_failed(drf: DrfServer, result: Any) -> None:
    assert [f.index for f in result.failed] == [1, 7]
    assert result.unknown == []
    assert result.created_indexes == [0, 2, 3, 4, 5, 6, 8, 9]
    nacs, taken = result.failed
    # One form whatever DRF's: the ports aligned with the row's input, {} where a port is fine.
    assert nacs.errors == {"ports": [{}, {"max_power": [DC_POWER], "power": [DC_POWER]}]}
    assert nacs.errors["ports"][1]["power"] == [DC_POWER]
    assert taken.errors == {"charger_point_id": [TAKEN]}
    assert drf.created_count() == 8
    assert posts(drf) == [400, 201]  # the batch, then its valid rest: nothing sent twice


async def test_drf_3_18_per_item_errors_as_dicts_fail_only_their_rows(drf: DrfServer) -> None:
    async with client_for(drf) as client:
        result = await client.chargers.create_many(rows_only_drf_refuses(), batch_size=50)
    assert_only_rows_1_and_7_failed(drf, result)
    # The server's own answer for the row, as DRF 3.18 sent it (per-index dicts, nested too).
    assert result.failed[0].raw_errors == {
        "ports": {"1": {"max_power": [DC_POWER], "power": [DC_POWER]}}
    }


@pytest.mark.filterwarnings("ignore::rest_framework.deprecation.RemovedInDRF320Warning")
async def test_per_item_errors_in_drfs_list_form_read_the_same(drf: DrfServer) -> None:
    with drf.drf_settings(LIST_SERIALIZER_ERRORS_AS_DICT=False):
        async with client_for(drf) as client:
            result = await client.chargers.create_many(rows_only_drf_refuses(), batch_size=50)
    assert_only_rows_1_and_7_failed(drf, result)
    assert result.failed[0].raw_errors == {
        "ports": [{}, {"max_power": [DC_POWER], "power": [DC_POWER]}]
    }


async def test_a_view_that_looks_the_location_up_itself_is_narrowed_to_the_row_at_fault(
    drf: DrfServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``{"detail": "Location matching query does not exist."}`` names no row: halving finds the
    two rows whose location does not exist; the other 98 are created, each once."""
    from .drf_server.views import ChargersBulkCreateView  # Django is configured by now

    monkeypatch.setattr(ChargersBulkCreateView, "location_lookup", "view")
    rows = list(charger_rows(100, prefix="LOC"))
    for position in (12, 61):
        rows[position]["location"] = MISSING_ID
    progress = Progress()
    async with client_for(drf) as client:
        result = await client.chargers.create_many(
            rows, batch_size=50, concurrency=4, on_progress=progress
        )
    assert [f.index for f in result.failed] == [12, 61]
    for failure in result.failed:
        assert failure.errors == {"detail": [NO_LOCATION]}
        assert failure.raw_errors == {"detail": NO_LOCATION}
    assert result.unknown == []
    assert result.created_indexes == [i for i in range(100) if i not in (12, 61)]
    assert drf.created_count() == 98
    assert progress.done == sorted(progress.done) and progress.last == (100, 100)
    # Two batches of 50 with one row at fault each: within 2 * log2(50) extra requests each.
    assert len(posts(drf)) <= 2 + 2 * 2 * 6
