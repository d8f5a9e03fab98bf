"""Bulk creation against the simulator over loopback, in every answer it has learned.

Each scenario checks the same things: every valid row created exactly once (the simulator's
``created_ids`` counter), exactly the rows at fault failed (with the server's errors, and its raw
answer beside them), nothing unknown, input order kept, and progress that only moves forward and
ends at ``(total, total)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from epic_async import EpicClient, RetryPolicy
from epic_async._bulk import remembered_cap
from epic_async._bulk_result import BulkResult
from epic_async.testing import FakeEpicServer, Variant
from epic_async.testing._bulk_view import PROXY_413
from epic_async.testing.rows import charger_rows

from .conftest import SleepRecorder

MISSING_LOCATION = "00000000-0000-4000-8000-00000000dead"
NO_LOCATION = {"detail": "Location matching query does not exist."}


class Progress:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.calls.append((done, total))

    def assert_forward_to(self, total: int) -> None:
        done = [d for d, _ in self.calls]
        assert done == sorted(done), self.calls  # never backwards
        assert self.calls[-1] == (total, total)


def client_for(server: FakeEpicServer, **options: Any) -> EpicClient:
    settings: dict[str, Any] = {"rate_limit": None, "retry": RetryPolicy(sleep=SleepRecorder())}
    settings.update(options)
    return EpicClient(api_key=server.api_key, base_url=server.base_url, **settings)


def assert_accounted(result: BulkResult[Any], total: int, failed: set[int]) -> None:
    assert {f.index for f in result.failed} == failed
    assert result.unknown == []
    assert result.created_indexes == [i for i in range(total) if i not in failed]
    assert len(result) == total


def assert_created_once(server: FakeEpicServer, count: int) -> None:
    ids = server.counters.created_ids
    assert len(ids) == len(set(ids)) == count


@pytest.fixture
async def capped() -> AsyncIterator[FakeEpicServer]:
    """A simulator taking at most 16 rows per POST."""
    async with FakeEpicServer(chargers=0, max_batch=16, seed=4) as fake:
        yield fake


OVERSIZE = [
    Variant(oversize="top_list"),
    Variant(oversize="key_list"),
    Variant(oversize="key_non_field"),  # DRF's ListSerializer(max_length=16) in a parent
    Variant(oversize="key_non_field", non_field_errors_key="errors"),
    Variant(oversize="top_list", non_field_errors_key="errors"),
    Variant(oversize="413_json"),
    Variant(oversize="413_html"),  # nginx's page: the request never reached DRF
    Variant(oversize="413_empty"),
]


@pytest.mark.parametrize(
    "variant",
    OVERSIZE,
    ids=lambda v: f"{v.oversize}-{v.non_field_errors_key}",
)
async def test_too_large_in_any_shape_splits_and_the_cap_is_kept(
    capped: FakeEpicServer, variant: Variant
) -> None:
    capped.configure(variant=variant)
    rows = list(charger_rows(100, prefix="OV"))
    progress = Progress()
    async with client_for(capped) as client:
        result = await client.chargers.create_many(
            rows, batch_size=50, concurrency=2, on_progress=progress
        )
        assert_accounted(result, 100, failed=set())
        assert [c.charger_point_id for c in result.created] == [r["charger_point_id"] for r in rows]
        assert_created_once(capped, 100)
        progress.assert_forward_to(100)
        # The cap is kept for this client and path: the number named, else found by halving.
        url = client.base_url + "chargers"
        cap = remembered_cap(client._transport, url)
        named = variant.oversize in ("top_list", "key_list", "key_non_field")
        assert cap == (16 if named else 12)  # 50, 25, 12: halved until it fits
        # A later call (from a with_options copy too) starts at that size: no refusal at all.
        refused = capped.counters.by_status[400] + capped.counters.by_status[413]
        copy = client.with_options(retry=RetryPolicy(sleep=SleepRecorder()))
        again = await copy.chargers.create_many(charger_rows(40, prefix="OW"), batch_size=50)
    assert again.ok and len(again.created) == 40
    assert capped.counters.by_status[400] + capped.counters.by_status[413] == refused
    assert_created_once(capped, 140)


async def test_a_single_row_a_413_still_refuses_fails_with_that_answer() -> None:
    async with (
        FakeEpicServer(chargers=0, max_batch=0, variant=Variant(oversize="413_html")) as fake,
        client_for(fake) as client,
    ):
        result = await client.chargers.create_many(charger_rows(3, prefix="BIG"))
    assert [f.index for f in result.failed] == [0, 1, 2]
    for failure in result.failed:
        assert "-> 413: " in failure.errors["non_field_errors"][0]
        assert failure.raw_errors == PROXY_413
    assert fake.counters.created_ids == []
    assert fake.counters.by_status[413] == 4  # the batch of 3, then each row alone


@pytest.mark.parametrize("form", ["list", "dict"])
async def test_per_item_errors_in_either_form_fail_only_their_rows(form: str) -> None:
    variant = Variant(per_item_errors=form)  # type: ignore[arg-type]
    async with FakeEpicServer(chargers=5, seed=6, variant=variant) as fake:
        taken = sorted(r["charger_point_id"] for r in fake.store.chargers.values())
        rows = list(charger_rows(30, prefix="PI"))
        for position, existing in zip((3, 17, 18), taken, strict=False):
            rows[position]["charger_point_id"] = existing  # only the server knows them
        progress = Progress()
        async with client_for(fake) as client:
            result = await client.chargers.create_many(
                rows, batch_size=10, concurrency=3, on_progress=progress
            )
    assert_accounted(result, 30, failed={3, 17, 18})
    message = "charger with this charger point id already exists."
    for failure in result.failed:
        assert failure.errors == {"charger_point_id": [message]}
        assert failure.raw_errors == {"charger_point_id": [message]}
    assert_created_once(fake, 27)
    progress.assert_forward_to(30)


async def test_a_whole_batch_400_naming_no_row_is_narrowed_to_the_rows_at_fault() -> None:
    """A row whose ``location`` names no location refuses its whole batch with Django's
    ``DoesNotExist`` message; halving finds the rows at fault, the rest is created once."""
    async with FakeEpicServer(chargers=0, seed=7) as fake:
        rows = list(charger_rows(120, prefix="WB"))
        for position in (5, 77):
            rows[position]["location"] = MISSING_LOCATION
        progress = Progress()
        async with client_for(fake) as client:
            result = await client.chargers.create_many(
                rows, batch_size=50, concurrency=4, on_progress=progress
            )
    assert_accounted(result, 120, failed={5, 77})
    for failure in result.failed:
        assert failure.errors == {"detail": ["Location matching query does not exist."]}
        assert failure.raw_errors == NO_LOCATION
    assert [c.charger_point_id for c in result.created] == [
        r["charger_point_id"] for i, r in enumerate(rows) if i not in (5, 77)
    ]
    assert_created_once(fake, 118)
    progress.assert_forward_to(120)
    # 3 batches; two of them narrowed, each within 2 * log2(50) extra requests.
    assert fake.counters.by_route["POST chargers"] <= 3 + 2 * (2 * 6)


async def test_an_error_of_every_row_fails_them_without_narrowing_each_batch(
    server: FakeEpicServer,
) -> None:
    """A 400 that refuses whatever is sent: the first batch tells (its halves and a few rows
    alone are refused alike), the second confirms, and the rest fails without a request."""
    server.fail_next(400, path="chargers", times=1000, body={"detail": "Tenant suspended."})
    progress = Progress()
    async with client_for(server) as client:
        result = await client.chargers.create_many(
            list(charger_rows(500, prefix="TS")),
            batch_size=50,
            concurrency=1,
            on_progress=progress,
        )
    assert [f.index for f in result.failed] == list(range(500))
    assert {str(f.errors) for f in result.failed} == {"{'detail': ['Tenant suspended.']}"}
    assert server.counters.created_ids == []
    assert server.counters.by_route["POST chargers"] == (1 + 2 + 6) + (1 + 6)  # not 10 * 99
    progress.assert_forward_to(500)


async def test_a_404_on_the_collection_path_stops_the_run_at_once(server: FakeEpicServer) -> None:
    async with client_for(server, paths={"chargers.create": "no-such-path"}) as client:
        result = await client.chargers.create_many(
            charger_rows(30, prefix="NF"), batch_size=10, concurrency=1
        )
    assert [f.index for f in result.failed] == list(range(30))
    assert all("-> 404" in f.errors["non_field_errors"][0] for f in result.failed)
    assert server.counters.requests == 1


async def test_progress_only_moves_forward_through_lost_answers_and_reconcile(
    server: FakeEpicServer,
) -> None:
    server.fail_next("commit_then_drop", path="chargers")  # committed, answer lost
    server.fail_next("drop", path="chargers")  # lost before the server processed it
    progress = Progress()
    async with client_for(server) as client:
        result = await client.chargers.create_many(
            list(charger_rows(200, prefix="RC")),
            batch_size=25,
            concurrency=2,
            reconcile=True,
            on_progress=progress,
        )
    assert result.ok and result.created_indexes == list(range(200))
    assert_created_once(server, 200)
    progress.assert_forward_to(200)


async def test_unknown_fields_error_drop_or_send(server: FakeEpicServer) -> None:
    row = {**next(charger_rows(1, prefix="UF")), "custom_Id": "Bay 7"}
    async with client_for(server) as client:
        refused = await client.chargers.create_many([row])
        dropped = await client.chargers.create_many([row], unknown_fields="drop")
        with pytest.raises(ValueError, match="unknown_fields"):
            await client.chargers.create_many([row], unknown_fields="keep")  # type: ignore[arg-type]
        sent = await client.chargers.create_many(
            [{**row, "charger_point_id": "UF-SEND"}], unknown_fields="send"
        )
    [failure] = refused.failed
    assert failure.errors == {"custom_Id": ["Unknown field; did you mean 'custom_id'?"]}
    assert failure.raw_errors is None  # the SDK's own check: no request was sent
    assert dropped.ok and sent.ok  # the simulator, like DRF, ignores a field it does not know
    assert server.counters.by_route["POST chargers"] == 2
