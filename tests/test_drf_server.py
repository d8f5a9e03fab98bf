"""The SDK against a real Django REST Framework app over loopback (``tests/drf_server/``).

The simulator shares the SDK's assumptions; here DRF's own pagination, serializers,
authentication, permissions and throttle produce every answer. Each test starts from the seeded
fleet (the ``drf`` fixture re-seeds a session-wide server).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

import pytest

from epic_async import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    EpicClient,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
)
from epic_async.models import (
    ChargerDetail,
    ChargerStatus,
    ConnectorType,
    PaymentType,
)
from epic_async.testing.rows import charger_rows

from .conftest import SleepRecorder
from .drf_server import DrfServer
from .drf_server.fixtures import SEEDED_CHARGERS

MISSING_ID = "00000000-0000-4000-8000-000000000000"
AC = {ConnectorType.J1772, ConnectorType.TYPE_2, ConnectorType.SHUKO}


def client_for(server: DrfServer, key: str | None = None, **options: Any) -> EpicClient:
    """A client on the DRF server: no client rate limit, retry waits recorded, not waited."""
    settings: dict[str, Any] = {"rate_limit": None, "retry": RetryPolicy(sleep=SleepRecorder())}
    settings.update(options)
    return EpicClient(api_key=key or server.api_key, base_url=server.base_url, **settings)


class ThrottleWait(SleepRecorder):
    """Records each retry wait and makes the server's throttle see that much time pass."""

    def __init__(self, server: DrfServer) -> None:
        super().__init__()
        self.server = server

    async def __call__(self, delay: float) -> None:
        await super().__call__(delay)
        self.server.advance_throttle_clock(delay)


def queries(server: DrfServer) -> list[dict[str, str]]:
    """The query of every request the server answered, as dicts (parameter order aside)."""
    return [dict(parse_qsl(r.query)) for r in server.requests]


async def post_raw(client: EpicClient, body: Any) -> APIStatusError:
    """POST any body (even one the SDK's validation would stop) through the SDK's transport;
    return the typed error it raised for DRF's answer."""
    with pytest.raises(APIStatusError) as caught:
        await client._transport.request(
            "POST", client.base_url + "chargers", body=json.dumps(body).encode()
        )
    return caught.value


# --- listing ------------------------------------------------------------------------------------


async def test_full_listing_returns_every_charger_once_in_order_despite_the_page_cap(
    drf: DrfServer,
) -> None:
    async with client_for(drf) as client:
        chargers = await client.chargers.list().collect()  # asks 100 a page; DRF serves 50
    assert [c.id for c in chargers] == drf.charger_ids()
    assert len(chargers) == SEEDED_CHARGERS
    # One page of 50 told the stride: the rest was fetched at offsets 50 and 100, nothing twice.
    pages = sorted((q["offset"], q["limit"]) for q in queries(drf))
    assert pages == [("0", "100"), ("100", "50"), ("50", "50")]
    assert {r.status for r in drf.requests} == {200}
    # The list shape is DRF's rendering of the documented one, read into typed models.
    assert all(isinstance(c.status.key, ChargerStatus) for c in chargers)
    assert {c.payment_type for c in chargers} == {PaymentType.PAID, PaymentType.FREE}  # "Paid"
    assert all(p.max_power and p.max_power > 0 for c in chargers for p in c.ports)


async def test_max_items_stops_at_the_page_that_holds_the_last_item(drf: DrfServer) -> None:
    async with client_for(drf) as client:
        first_70 = await client.chargers.list(max_items=70).collect()
        assert [c.id for c in first_70] == drf.charger_ids()[:70]
        assert len(drf.requests) == 2  # offsets 0 and 50
        first_10 = await client.chargers.list(max_items=10).collect()
    assert [c.id for c in first_10] == drf.charger_ids()[:10]
    assert len(drf.requests) == 3


async def test_status_filter_is_applied_by_drf(drf: DrfServer) -> None:
    async with client_for(drf) as client:
        everything = await client.chargers.list().collect()
        available = await client.chargers.list(status=ChargerStatus.AVAILABLE).collect()
    expected = [c.id for c in everything if c.status.key is ChargerStatus.AVAILABLE]
    assert expected  # the seeded fleet has some, so the filter has something to keep
    assert [c.id for c in available] == expected
    assert {"status": "AVAILABLE", "limit": "100", "offset": "0"} in queries(drf)


async def test_a_filter_drf_rejects_is_a_bad_request_with_its_field_errors(
    drf: DrfServer,
) -> None:
    async with client_for(drf) as client:
        # The SDK checks only that an id is a clean path-safe string; DRF's UUIDField says no.
        with pytest.raises(BadRequestError) as caught:
            await client.chargers.list(location="not-a-uuid").collect()
        assert caught.value.field_errors == {"location": ["Must be a valid UUID."]}
        assert caught.value.status == 400
        # A filter value the SDK would refuse before sending, sent anyway: DRF's own answer.
        with pytest.raises(BadRequestError) as caught:
            await client._transport.request(
                "GET", client.base_url + "charger/", params={"status": "SLEEPING"}
            )
    assert caught.value.field_errors == {"status": ['"SLEEPING" is not a valid choice.']}


# --- details ------------------------------------------------------------------------------------


async def test_get_reads_drfs_detail_shape(drf: DrfServer) -> None:
    ids = drf.charger_ids()
    async with client_for(drf) as client:
        ac, dc = await client.chargers.get(ids[0]), await client.chargers.get(ids[2])
    assert isinstance(ac, ChargerDetail) and ac.id == ids[0]
    assert ac.payment_type in (PaymentType.PAID, PaymentType.FREE)  # "PAID" on this endpoint
    assert ac.number_phases in (1, 3) and isinstance(ac.rfid_required, bool)
    ac_port = ac.ports[0]
    assert ac_port.connector_type is not None and ac_port.connector_type.key in AC
    # DRF's DecimalField renders a string, as the API documents max_current/current.
    assert ac_port.max_current in ("16.0", "32.0") and ac_port.current == ac_port.max_current
    dc_port = dc.ports[0]
    assert dc_port.connector_type is not None and dc_port.connector_type.key not in AC
    assert dc_port.max_current is None and dc_port.max_power in (50.0, 150.0, 350.0)


async def test_get_many_has_none_for_a_missing_id_and_get_raises_not_found(
    drf: DrfServer,
) -> None:
    ids = drf.charger_ids()
    async with client_for(drf) as client:
        found = await client.chargers.get_many([ids[5], MISSING_ID, ids[1], "not-a-uuid"])
        assert [d.id if d else None for d in found] == [ids[5], None, ids[1], None]
        with pytest.raises(NotFoundError) as caught:
            await client.chargers.get(MISSING_ID)
    assert caught.value.body == {"detail": "No Charger matches the given query."}


# --- authentication and scopes -----------------------------------------------------------------


async def test_a_wrong_key_is_an_authentication_error(drf: DrfServer) -> None:
    async with client_for(drf, key="not-a-key") as client:
        with pytest.raises(AuthenticationError) as caught:
            await client.chargers.list().collect()
    assert caught.value.status == 401
    assert caught.value.body == {"detail": "Incorrect authentication credentials."}
    assert [r.status for r in drf.requests] == [401]  # a 401 is not retried


async def test_a_read_only_key_reads_but_cannot_create(drf: DrfServer) -> None:
    rows = list(charger_rows(6, prefix="RO"))
    async with client_for(drf, key=drf.read_only_key) as client:
        assert len(await client.chargers.list(max_items=5).collect()) == 5
        denied = await post_raw(client, {"chargers": rows[:1]})
        result = await client.chargers.create_many(rows, batch_size=2, concurrency=1)
    assert isinstance(denied, PermissionDeniedError)
    assert denied.body == {"detail": "You do not have permission to perform this action."}
    # create_many stops at the first 403: every row failed with it, one batch was sent.
    assert [f.index for f in result.failed] == list(range(6))
    assert all("-> 403: You do not have permission" in str(f.errors) for f in result.failed)
    assert [r.status for r in drf.requests if r.method == "POST"] == [403, 403]
    assert drf.created_count() == 0


# --- bulk creation ------------------------------------------------------------------------------


async def test_create_many_creates_every_row_exactly_once(drf: DrfServer) -> None:
    rows = list(charger_rows(120, prefix="NEW", seed=3))
    async with client_for(drf) as client:
        result = await client.chargers.create_many(rows, batch_size=50)
        assert result.ok, result.failed[:3]
        assert [c.charger_point_id for c in result.created] == [r["charger_point_id"] for r in rows]
        assert drf.created_count() == 120
        assert sorted(r.status for r in drf.requests if r.method == "POST") == [201, 201, 201]
        ac_ports = [p for c in result.created for p in c.ports if p.max_current is not None]
        assert ac_ports and all(isinstance(p.max_current, str) for p in ac_ports)
        listed = await client.chargers.list().collect()
        assert len(listed) == SEEDED_CHARGERS + 120
        # The same rows again: DRF's UniqueValidator refuses every one, nothing is created twice.
        again = await client.chargers.create_many(rows, batch_size=50)
    assert len(again.failed) == 120 and not again.created and not again.unknown
    assert drf.created_count() == 120


@pytest.mark.filterwarnings("ignore::rest_framework.deprecation.RemovedInDRF320Warning")
async def test_per_item_errors_in_drfs_list_form_fail_only_their_rows(drf: DrfServer) -> None:
    """With ``LIST_SERIALIZER_ERRORS_AS_DICT=False`` (DRF's older, deprecated list form), rows
    only the server can judge fail alone and the rest of their batch is created once."""
    rows = list(charger_rows(10, prefix="LST"))
    rows[3]["charger_point_id"] = "SEED-00005"  # already on the server
    rows[6]["location"] = MISSING_ID  # a well-formed id of no location
    with drf.drf_settings(LIST_SERIALIZER_ERRORS_AS_DICT=False):
        async with client_for(drf) as client:
            result = await client.chargers.create_many(rows, batch_size=50)
    assert [(f.index, dict(f.errors)) for f in result.failed] == [
        (3, {"charger_point_id": ["charger with this charger point id already exists."]}),
        (6, {"location": [f'Invalid pk "{MISSING_ID}" - object does not exist.']}),
    ]
    assert result.created_indexes == [0, 1, 2, 4, 5, 7, 8, 9]
    assert drf.created_count() == 8
    assert [r.status for r in drf.requests if r.method == "POST"] == [400, 201]


async def test_drf_3_18_bulk_error_shapes(drf: DrfServer) -> None:
    """Pins what DRF 3.18 answers by default to a too-large batch and to per-item errors (dicts
    keyed by index, also for nested ports), and that a refused batch creates nothing."""
    too_many = {"chargers": list(charger_rows(51, prefix="BIG"))}
    rows = list(charger_rows(10, prefix="BAD"))
    rows[1]["ports"] = [
        {"connector_id": 1, "connector_type": "TYPE_9", "max_current": 32, "current": 32},
        {"connector_id": 2, "connector_type": "J1772", "max_current": 32},
    ]
    rows[7]["charger_point_id"] = "SEED-00003"
    async with client_for(drf) as client:
        big = await post_raw(client, too_many)
        items = await post_raw(client, {"chargers": rows})
        whole = await post_raw(client, {"chargers": "not a list"})
    assert isinstance(big, BadRequestError)
    assert big.body == {
        "chargers": {"non_field_errors": ["Ensure this field has no more than 50 elements."]}
    }
    assert items.body == {
        "chargers": {
            "1": {
                "ports": {
                    "0": {"connector_type": ['"TYPE_9" is not a valid choice.']},
                    "1": {"current": ["This field is required for an AC connector."]},
                }
            },
            "7": {"charger_point_id": ["charger with this charger point id already exists."]},
        }
    }
    assert whole.body == {
        "chargers": {"non_field_errors": ['Expected a list of items but got type "str".']}
    }
    assert drf.created_count() == 0


# --- throttle -----------------------------------------------------------------------------------


async def test_a_throttled_request_is_retried_after_drfs_retry_after(drf: DrfServer) -> None:
    charger_id = drf.charger_ids()[0]
    waits = ThrottleWait(drf)
    async with client_for(drf, key=drf.throttled_key, retry=RetryPolicy(sleep=waits)) as client:
        for _ in range(5):  # the rate: 5 a minute
            await client.chargers.get(charger_id)
        detail = await client.chargers.get(charger_id)  # 429, wait Retry-After, 200
    assert detail.id == charger_id
    assert [r.status for r in drf.requests] == [200] * 5 + [429, 200]
    retry_after = drf.requests[5].retry_after
    assert retry_after is not None and 55 <= int(retry_after) <= 60
    # It waited exactly what DRF asked: less, and the retry would have been throttled again.
    assert waits.delays == [float(retry_after)]
    assert client.metrics.throttled == 1


async def test_a_throttle_outlasting_the_retries_raises_rate_limit_error(drf: DrfServer) -> None:
    charger_id = drf.charger_ids()[0]
    waits = SleepRecorder()  # time does not pass for the throttle: every retry is refused
    policy = RetryPolicy(max_attempts=3, sleep=waits)
    async with client_for(drf, key=drf.throttled_key, retry=policy) as client:
        for _ in range(5):
            await client.chargers.get(charger_id)
        with pytest.raises(RateLimitError) as caught:
            await client.chargers.get(charger_id)
    error = caught.value
    assert [r.status for r in drf.requests] == [200] * 5 + [429] * 3
    assert error.retry_after is not None and 55 <= error.retry_after <= 60
    assert waits.delays == [error.retry_after] * 2
    assert error.body == {
        "detail": f"Request was throttled. Expected available in {error.retry_after:.0f} seconds."
    }
    # Only the throttled key is counted: the read-write key is never refused.
    async with client_for(drf) as client:
        for _ in range(10):
            await client.chargers.get(charger_id)


async def test_a_retry_after_beyond_max_retry_after_is_raised_at_once(drf: DrfServer) -> None:
    drf.set_throttle_rate("1/h")
    charger_id = drf.charger_ids()[0]
    waits = SleepRecorder()
    async with client_for(drf, key=drf.throttled_key, retry=RetryPolicy(sleep=waits)) as client:
        await client.chargers.get(charger_id)
        with pytest.raises(RateLimitError) as caught:
            await client.chargers.get(charger_id)
    assert caught.value.retry_after is not None and caught.value.retry_after > 3000
    assert waits.delays == []  # an hour is above RetryPolicy.max_retry_after (120 s)
    assert [r.status for r in drf.requests] == [200, 429]
