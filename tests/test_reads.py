"""Reads: typed models from the API's JSON, tolerant of drift by default, strict on request."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

from epic_async import ResponseValidationError
from epic_async._codec import dumps, loads
from epic_async._reads import Reader, structure, structure_page, unstructure
from epic_async.models import (
    ActionResult,
    ActionStatus,
    Charger,
    ChargerDetail,
    ChargerReportRow,
    ChargerStatus,
    ChargerStatusInfo,
    ChargerStatusReportRow,
    ChargingSessionRow,
    Extra,
    Location,
    PaymentType,
    PortStatus,
    SessionStatus,
    User,
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


def test_a_strict_reader_says_where_a_body_does_not_fit() -> None:
    with pytest.raises(ResponseValidationError) as caught:
        Reader(strict=True).structure({"id": "c1", "status": {"key": "AVAILABLE"}}, ChargerDetail)
    assert caught.value.messages == ["$.charger_point_id: missing (expected str)"]


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
        {"count": 1, "results": [{"charger_point_id": "CP-1"}]},  # an item without its identity
    ],
)
def test_a_page_that_does_not_fit_is_a_typed_error(body: Any) -> None:
    with pytest.raises(ResponseValidationError):
        structure_page(body, Charger)


def test_enum_roles_read_case_insensitively() -> None:
    assert (
        structure({"uuid": "u", "email": "a@b.co", "role": "DRIVER"}, User).role is UserRole.DRIVER
    )


# --- drift: coerced where no guess is needed, kept in `extra` where it is -------------------------


def drifted(**changes: Any) -> dict[str, Any]:
    return {**LIST_ITEM, **changes}


def test_a_clean_record_has_no_extra() -> None:
    charger = structure(LIST_ITEM, Charger)
    assert charger.extra is None and charger.ports[0].extra is None
    assert "extra" not in repr(charger)


def test_a_status_sent_as_a_plain_string_becomes_its_key() -> None:
    charger = structure(drifted(status="available"), Charger)
    assert charger.status.key is ChargerStatus.AVAILABLE and charger.status.value == ""
    assert charger.extra is None  # coerced without a guess: nothing left over


def test_an_object_where_a_plain_value_is_modelled_gives_its_key() -> None:
    row = {"id": "s1", "charger_id": "c1", "charger_point_id": "CP-1"}
    as_object = structure(
        {**row, "status": {"key": "COMPLETED", "value": "Done"}}, ChargingSessionRow
    )
    as_string = structure({**row, "status": "completed"}, ChargingSessionRow)
    assert as_object.status is as_string.status is SessionStatus.COMPLETED
    named = structure(drifted(location_name={"key": "Oslo", "value": "Oslo S"}), Charger)
    assert named.location_name == "Oslo"


@pytest.mark.parametrize(
    ("changes", "field", "expected"),
    [
        ({"temperature": "21.5"}, "temperature", 21.5),  # a number as a numeric string
        ({"temperature": 21}, "temperature", 21.0),  # an int for a float
        ({"payment_type": "free"}, "payment_type", PaymentType.FREE),  # enum in another case
        ({"id": 123}, "id", "123"),  # a scalar identity is read as its text
    ],
)
def test_values_coerced_without_guessing(
    changes: dict[str, Any], field: str, expected: Any
) -> None:
    charger = structure(drifted(**changes), Charger)
    assert getattr(charger, field) == expected
    assert charger.extra is None


def test_datetimes_with_z_and_naive_ones() -> None:
    port = {**LIST_ITEM["ports"][0], "charging_start_at": "2026-01-02T03:04:05Z"}
    charger = structure(drifted(ports=[port]), Charger)
    assert charger.ports[0].charging_start_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_naive_datetime_is_logged_once_per_client(caplog: pytest.LogCaptureFixture) -> None:
    naive = {"uuid": "u", "email": "a@b.co", "created_at": "2026-01-02T03:04:05"}
    first, second = Reader(), Reader()
    for reader in (first, first, second):
        assert reader.structure(naive, User).created_at == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert [r.message.count("without a UTC offset") for r in caplog.records] == [1, 1]


def test_an_optional_value_that_does_not_fit_reads_none_and_is_kept_in_extra() -> None:
    charger = structure(drifted(location_name={"city": "Oslo"}, temperature=[1]), Charger)
    assert charger.location_name is None and charger.temperature is None
    assert charger.extra == {"location_name": {"city": "Oslo"}, "temperature": [1]}


def test_a_required_value_that_does_not_fit_is_kept_as_it_came() -> None:
    row = {"id": "r1", "charger_id": "c1", "charger_point_id": "CP-1", "energy_kwh": None}
    report_row = structure(row, ChargingSessionRow)
    assert report_row.energy_kwh is None  # surprising, but better than a lost record
    assert report_row.extra == {"energy_kwh": None}
    listing = structure(drifted(charger_point_id={"weird": True}), Charger)
    assert listing.charger_point_id == {"weird": True}
    assert listing.extra == {"charger_point_id": {"weird": True}}


def test_unknown_keys_and_new_nested_objects_are_readable_in_extra() -> None:
    port = {**LIST_ITEM["ports"][0], "phase": 3}
    charger = structure(
        drifted(telemetry={"voltage": 230, "phases": [1, 2, 3]}, ports=[port]), Charger
    )
    assert charger.extra == {"telemetry": {"voltage": 230, "phases": [1, 2, 3]}}
    assert charger.ports[0].extra == {"phase": 3}
    assert charger.ports[0].max_power == 150.0
    assert "extra=Extra({'telemetry'" in repr(charger)


def test_one_warning_per_model_and_field_per_client(caplog: pytest.LogCaptureFixture) -> None:
    page = {
        "count": 3,
        "next": None,
        "results": [drifted(id=str(i), temperature=[i]) for i in range(3)],
    }
    first, second = Reader(), Reader()
    first.structure_page(page, Charger)
    first.structure_page(page, Charger)
    second.structure_page(page, Charger)
    warnings = [r for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 2
    message = warnings[0].getMessage()
    assert "Charger.temperature" in message and "float | None" in message and "[0]" in message


@pytest.mark.parametrize(
    ("cls", "record", "field"),
    [
        (Charger, {"charger_point_id": "CP-1"}, "id"),
        (Charger, {"id": None}, "id"),
        (Charger, {"id": {"key": "c1"}}, "id"),
        (User, {"id": "u1", "email": "a@b.co"}, "uuid"),
        (ChargerStatusReportRow, {"id": "x", "charger_point_id": "CP-1"}, "charger_id"),
        (ChargerReportRow, {"charger_id": True}, "charger_id"),
    ],
)
def test_a_record_without_its_identity_fails_the_page_naming_the_offset(
    cls: type[Any], record: dict[str, Any], field: str
) -> None:
    page = {
        "count": 2,
        "next": None,
        "results": [{"id": "a", "uuid": "a", "charger_id": "a"}, record],
    }
    with pytest.raises(ResponseValidationError) as caught:
        Reader().structure_page(page, cls, offset=300)
    assert "offset 301" in str(caught.value) and repr(field) in str(caught.value)
    assert caught.value.messages == [f"$.results[1].{field}: missing or not a string"]


def test_a_record_that_is_not_an_object_fails_too() -> None:
    with pytest.raises(ResponseValidationError, match="not an object"):
        structure_page({"count": 1, "next": None, "results": ["c1"]}, Charger)


# --- extra: read-only, picklable, in equality, not in the hash --------------------------------


def test_extra_is_read_only_picklable_compared_but_not_hashed() -> None:
    plain = structure({"key": "AVAILABLE", "value": "Available"}, ChargerStatusInfo)
    richer = structure(
        {"key": "AVAILABLE", "value": "Available", "since": "today"}, ChargerStatusInfo
    )
    assert isinstance(richer.extra, Extra)
    assert pickle.loads(pickle.dumps(richer)) == richer
    assert richer != plain and hash(richer) == hash(plain)
    with pytest.raises(TypeError):
        richer.extra["since"] = "now"  # type: ignore[index]
    assert richer.extra == {"since": "today"}


def test_unstructure_merges_extra_back_and_round_trips() -> None:
    charger = structure(drifted(telemetry={"v": 1}, temperature="hot"), Charger)
    data = unstructure(charger)
    assert data["telemetry"] == {"v": 1} and data["temperature"] == "hot"
    assert "extra" not in data
    assert structure(loads(dumps(data)), Charger) == charger


# --- strict=True ------------------------------------------------------------------------------


def test_strict_lists_every_offending_path() -> None:
    results = [
        LIST_ITEM,
        LIST_ITEM,
        LIST_ITEM,
        drifted(status="AVAILABLE", telemetry={}, temperature=[1]),
    ]
    with pytest.raises(ResponseValidationError) as caught:
        Reader(strict=True).structure_page({"count": 4, "next": None, "results": results}, Charger)
    assert sorted(caught.value.messages) == [
        "$.results[3].status: expected ChargerStatusInfo, got 'AVAILABLE'",
        "$.results[3].telemetry: unknown key",
        "$.results[3].temperature: expected float | None, got [1]",
    ]


def test_strict_takes_new_enum_values_and_what_drf_habitually_sends() -> None:
    item = drifted(
        status={"key": "HIBERNATING", "value": "New"}, temperature="21.50", payment_type="free"
    )
    charger = Reader(strict=True).structure(item, Charger)
    assert charger.status.key == "HIBERNATING" and charger.temperature == 21.5


@pytest.mark.parametrize(
    ("sent", "read"), [("true", True), ("False", False), (1, True), (0, False)]
)
def test_booleans_in_the_spellings_no_one_could_read_otherwise(sent: Any, read: bool) -> None:
    assert structure(drifted(id_tag_required=sent), Charger).id_tag_required is read


@pytest.mark.parametrize("sent", ["", "yes", "n", 2, 0.0])
def test_a_boolean_that_would_need_a_guess_is_kept_raw(sent: Any) -> None:
    charger = structure(drifted(id_tag_required=sent), Charger)
    assert charger.id_tag_required is None and charger.extra == {"id_tag_required": sent}


# --- models as values: hashable, and JSON-ready on request ------------------------------------


def test_read_models_are_hashable_and_hold_tuples() -> None:
    charger = structure(LIST_ITEM, Charger)
    assert isinstance(charger.ports, tuple)
    assert hash(charger) == hash(structure(LIST_ITEM, Charger))
    assert len({charger, structure(LIST_ITEM, Charger)}) == 1
    user = structure({"uuid": "u", "email": "a@b.co", "id_tags": ["T1", "T2"]}, User)
    assert user.id_tags == ("T1", "T2") and hash(user)


def test_a_string_is_never_read_as_a_sequence_of_characters() -> None:
    user = structure({"uuid": "u", "email": "a@b.co", "id_tags": "T1"}, User)
    raw: object = user.id_tags  # a required field keeps what came, whatever its type
    assert raw == "T1" and user.extra == {"id_tags": "T1"}


def test_to_dict_and_to_json_give_the_api_s_names_iso_datetimes_enum_values_and_extra() -> None:
    charger = structure(drifted(telemetry={"v": 1}), Charger)
    data = charger.to_dict()
    assert data["status"] == {"key": "AVAILABLE", "value": "Available"}
    assert data["payment_type"] == "PAID" and data["telemetry"] == {"v": 1}
    assert isinstance(data["ports"], list)
    assert data["ports"][0]["charging_start_at"].startswith("2026-")
    assert json.loads(json.dumps(data)) == data == json.loads(charger.to_json())
    assert structure(data, Charger) == charger
