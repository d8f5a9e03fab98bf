"""The converter: tolerant reads, strict create rows, DRF-shaped errors, page envelopes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from epic_async import ResponseValidationError
from epic_async._convert import (
    CreateValidationError,
    dumps,
    loads,
    structure,
    structure_create,
    structure_page,
    unstructure_create,
)
from epic_async.models import (
    ActionResult,
    ActionStatus,
    Charger,
    ChargerCreate,
    ChargerDetail,
    ChargerStatus,
    ConnectorType,
    Location,
    PaymentType,
    PortStatus,
    User,
    UserCreate,
    UserRole,
)

LIST_ITEM: dict[str, Any] = {
    "id": "c1",
    "custom_id": None,
    "charger_point_id": "CP-1",
    "status": {"key": "AVAILABLE", "value": "Available"},
    "location_name": "Depot",
    "temperature": 21.5,
    "payment_type": "Paid",
    "id_tag_required": False,
    "customer_qr_code": None,
    "ports": [
        {
            "id": "p1",
            "connector_id": 1,
            "status": {"key": "CHARGING", "value": "Charging"},
            "max_power": 150,
            "charge_current_kilowatt_hour": None,
            "charging_start_at": "2026-11-24T10:00:00+01:00",
        }
    ],
    "charger_group": None,
}


def test_a_charger_list_item_is_typed() -> None:
    charger = structure(LIST_ITEM, Charger)
    assert charger.status.key is ChargerStatus.AVAILABLE
    assert charger.payment_type is PaymentType.PAID  # "Paid" in lists, PAID in details
    port = charger.ports[0]
    assert port.status.key is PortStatus.CHARGING
    assert port.max_power == 150.0
    assert port.charging_start_at is not None
    assert port.charging_start_at.utcoffset() is not None
    assert attrs.has(Charger) and attrs.fields(Charger).id.kw_only


def test_unknown_enum_values_and_keys_are_kept_or_ignored() -> None:
    item = {
        **LIST_ITEM,
        "status": {"key": "HIBERNATING", "value": "New"},
        "payment_type": "Crypto",
        "brand_new_field": {"x": 1},
    }
    charger = structure(item, Charger)
    assert charger.status.key == "HIBERNATING"
    assert charger.payment_type == "Crypto"
    assert structure({"status": "Postponed"}, ActionResult).status == "Postponed"
    assert structure({"status": "Accepted"}, ActionResult).status is ActionStatus.ACCEPTED


def test_naive_datetimes_are_read_as_utc() -> None:
    user = structure({"uuid": "u", "email": "a@b.co", "created_at": "2026-01-02T03:04:05"}, User)
    assert user.created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_location_coordinates_keep_latitude_first() -> None:
    loc = structure({"id": "l", "custom_id": "L1", "location": [59.9, 10.7]}, Location)
    assert loc.location == (59.9, 10.7)


def test_a_body_that_does_not_fit_says_where() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        structure({"id": "c1", "status": {"key": "AVAILABLE"}}, ChargerDetail)
    assert any("charger_point_id" in m for m in caught.value.messages)


def test_page_envelope() -> None:
    page = structure_page(
        {"count": 3, "next": "http://x/?offset=1", "results": [LIST_ITEM]}, Charger
    )
    assert page.count == 3 and page.next == "http://x/?offset=1" and page.previous is None
    assert page.results[0].charger_point_id == "CP-1"


@pytest.mark.parametrize(
    "body",
    [
        {"next": None, "results": []},  # count missing
        {"count": "many", "results": []},
        {"count": 1},  # results missing
        ["not", "a", "page"],
        {"count": 1, "results": [{"id": "c"}]},  # an item without its required fields
    ],
)
def test_a_page_that_does_not_fit_is_a_typed_error(body: Any) -> None:
    with pytest.raises(ResponseValidationError):
        structure_page(body, Charger)


ROW: dict[str, Any] = {
    "charger_point_id": "CP-9",
    "manufacturer": "epic_ocpp",
    "model": "epic_pro",
    "rfid_required": "false",  # as read from a CSV
    "payment_type": "paid",
    "number_phases": "3",
    "ports": [{"connector_id": 1, "connector_type": "ccs", "max_power": 150, "power": 150}],
}


def test_create_rows_from_dicts_are_coerced_and_leave_out_what_was_not_given() -> None:
    model = structure_create(ROW, ChargerCreate)
    assert model.rfid_required is False and model.number_phases == 3
    assert model.payment_type is PaymentType.PAID
    assert model.ports[0].connector_type is ConnectorType.CCS
    body = loads(dumps(unstructure_create(model)))
    assert body["payment_type"] == "PAID"
    assert "custom_id" not in body and "max_current" not in body["ports"][0]
    assert structure_create(model, ChargerCreate) is model


def test_create_errors_are_drf_shaped_and_name_the_field() -> None:
    bad = {
        **ROW,
        "manufacturer": None,
        "ports": [ROW["ports"][0], {"connector_id": "x", "connector_type": "TYPE_9"}],
    }
    del bad["model"]
    with pytest.raises(CreateValidationError) as caught:
        structure_create(bad, ChargerCreate)
    errors = caught.value.field_errors
    assert errors["model"] == ["This field is required."]
    assert errors["manufacturer"] == ["This field may not be null."]
    assert errors["ports"][0] == {}
    assert "TYPE_9" in errors["ports"][1]["connector_type"][0]
    assert "CCS_COMBO_2" in errors["ports"][1]["connector_type"][0]  # the valid choices
    assert "'x'" in errors["ports"][1]["connector_id"][0]


def test_strict_enums_and_booleans_in_create_rows() -> None:
    with pytest.raises(CreateValidationError, match="boss"):
        structure_create(
            {"email": "a@b.co", "role": "boss", "driver": {}, "id_tags": []}, UserCreate
        )
    with pytest.raises(CreateValidationError, match="rfid_required"):
        structure_create({**ROW, "rfid_required": "maybe"}, ChargerCreate)
    with pytest.raises(CreateValidationError, match="expected a ChargerCreate or a dict"):
        structure_create(["CP-1"], ChargerCreate)


def test_enum_roles_read_case_insensitively() -> None:
    assert (
        structure({"uuid": "u", "email": "a@b.co", "role": "DRIVER"}, User).role is UserRole.DRIVER
    )
