"""Client-side cross-field rules of create rows (pure, no network)."""

from __future__ import annotations

from typing import Any

from epic_async._validation import (
    DuplicateTracker,
    unique_key,
    validate_charger,
    validate_location,
    validate_user,
)
from epic_async._writes import structure_create
from epic_async.models import ChargerCreate, LocationCreate, UserCreate
from epic_async.testing.rows import charger_rows, location_rows, user_rows


def charger(**changes: Any) -> ChargerCreate:
    row = next(charger_rows(1))
    row.update(changes)
    return structure_create(row, ChargerCreate)


def test_generated_rows_are_valid() -> None:
    assert all(not validate_charger(structure_create(r, ChargerCreate)) for r in charger_rows(50))
    assert all(
        not validate_location(structure_create(r, LocationCreate)) for r in location_rows(20)
    )
    assert all(not validate_user(structure_create(r, UserCreate)) for r in user_rows(20))


def test_ac_ports_need_currents_and_dc_ports_need_power() -> None:
    ac = charger(current_type="AC", ports=[{"connector_id": 1, "connector_type": "J1772"}])
    assert set(validate_charger(ac)["ports"][0]) == {"max_current", "current"}
    dc = charger(
        current_type="DC", ports=[{"connector_id": 1, "connector_type": "CCS", "max_power": 50}]
    )
    assert validate_charger(dc)["ports"][0] == {"power": ["Required for a DC port."]}
    over = charger(
        current_type="AC",
        ports=[{"connector_id": 1, "connector_type": "TYPE_2", "max_current": 16, "current": 32}],
    )
    assert "Must not exceed max_current" in validate_charger(over)["ports"][0]["current"][0]


def test_ports_connector_ids_phases_and_blanks() -> None:
    port = {"connector_id": 1, "connector_type": "CCS", "max_power": 50, "power": 50}
    errors = validate_charger(
        charger(ports=[port, port], current_type="DC", number_phases=2, manufacturer=" ")
    )
    assert errors["manufacturer"] == ["This field may not be blank."]
    assert "valid choice" in errors["number_phases"][0]
    assert errors["ports"][0] == {} and "used twice" in errors["ports"][1]["connector_id"][0]
    assert "at least one port" in validate_charger(charger(ports=[]))["ports"][0]


def test_locations_check_coordinates_latitude_first() -> None:
    row = next(location_rows(1))
    row["location"] = [10.75, 159.91]  # fine
    assert validate_location(structure_create(row, LocationCreate)) == {}
    row["location"] = [159.91, 10.75]  # swapped
    errors = validate_location(structure_create(row, LocationCreate))
    assert "Latitude must be between -90 and 90" in errors["location"][0]
    row["contact_email"] = "not-an-email"
    assert "contact_email" in validate_location(structure_create(row, LocationCreate))


def test_users_need_an_email_shape() -> None:
    row = next(user_rows(1))
    row["email"] = "nobody"
    assert validate_user(structure_create(row, UserCreate)) == {
        "email": ["Enter a valid email address."]
    }


def test_unique_keys_and_duplicates() -> None:
    assert unique_key(charger(charger_point_id="CP-7")) == "CP-7"
    user = structure_create({**next(user_rows(1)), "email": " Ada@Example.COM"}, UserCreate)
    assert unique_key(user) == "ada@example.com"
    tracker = DuplicateTracker("charger_point_id")
    assert tracker.check("CP-1", 0) is None
    assert tracker.check("CP-2", 1) is None
    message = tracker.check("CP-1", 5)
    assert message is not None and "row 0" in message and "CP-1" in message
