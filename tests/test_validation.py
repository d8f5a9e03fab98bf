"""Client-side cross-field rules of create rows (pure, no network)."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from epic_async._rowcheck import RowChecker
from epic_async._validation import (
    DuplicateTracker,
    charger_rules,
    location_rules,
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


# --- one pass over a row: every problem at once ------------------------------------------------

CHARGERS = RowChecker(ChargerCreate, charger_rules)


def test_every_problem_of_a_row_is_reported_in_one_pass() -> None:
    """A bad boolean no longer hides a missing AC current (nor anything else)."""
    row = next(charger_rows(1))
    row.update(
        rfid_required="maybe",
        number_phases="two",
        current_type="AC",
        ports=[
            {"connector_id": 1, "connector_type": "J1772", "max_current": 32},
            {"connector_id": "x", "connector_type": "TYPE_9", "max_current": "abc", "current": 16},
        ],
    )
    del row["model"]
    _, errors = CHARGERS(row)
    assert errors == {
        "model": ["This field is required."],
        "rfid_required": ["'maybe' is not a valid boolean."],
        "number_phases": ["'two' is not a valid number."],
        "ports": [
            {"current": ["Required for an AC port."]},
            {
                "connector_id": ["'x' is not a valid number."],
                "connector_type": [
                    '"TYPE_9" is not a valid choice '
                    "(one of: J1772, CCS, CHADEMO, NACS, SHUKO, TYPE_2, CCS_COMBO_2)."
                ],
                "max_current": ["'abc' is not a valid number."],
            },
        ],
    }
    assert errors["ports"][0]["current"]  # aligned with the input: errors["ports"][i] always works


@pytest.mark.parametrize(
    ("cls", "rules", "row", "field"),
    [
        (ChargerCreate, charger_rules, next(charger_rows(1)), "number_phases"),
        (LocationCreate, location_rules, next(location_rows(1)), "is_members_only"),
    ],
)
def test_the_same_problem_has_the_same_wording_whatever_the_field(
    cls: type[Any], rules: Any, row: dict[str, Any], field: str
) -> None:
    numbers = {
        "number_phases": "abc",  # an int field
        "ports": [{"connector_id": 1, "connector_type": "CCS", "max_power": "abc", "power": 1}],
    }
    if cls is ChargerCreate:
        _, errors = RowChecker(cls, rules)({**row, **numbers})
        assert errors["number_phases"] == ["'abc' is not a valid number."]
        assert errors["ports"][0]["max_power"] == ["'abc' is not a valid number."]  # a float
        assert RowChecker(cls, rules)({**row, "number_phases": 1.5})[1] == {
            field: ["1.5 is not a valid integer."]
        }
    else:
        location = {**row, "location": ["abc", 10]}
        location["places_api_data"] = {
            **row["places_api_data"],
            "geometry": {"location": {"lat": "abc", "lng": 1}},
        }
        _, errors = RowChecker(cls, rules)(location)
        assert errors["location"] == ["'abc' is not a valid number."]
        lat = errors["places_api_data"]["geometry"]["location"]["lat"]
        assert lat == ["'abc' is not a valid number."]
    _, errors = RowChecker(cls, rules)({**row, field: "maybe"})
    wording = "'maybe' is not a valid "
    assert errors[field][0].startswith(wording)


def test_unknown_keys_fail_with_a_suggestion_or_are_dropped_or_sent() -> None:
    row = next(charger_rows(1))
    typo = {**row, "custom_Id": "Bay 7", "ports": [{**row["ports"][0], "max_powr": 7}]}
    _, errors = CHARGERS(typo)
    assert errors == {
        "custom_Id": ["Unknown field; did you mean 'custom_id'?"],
        "ports": [{"max_powr": ["Unknown field; did you mean 'max_power'?"]}],
    }
    assert CHARGERS({**row, "zzz": 1})[1] == {"zzz": ["Unknown field."]}
    dropped, no_errors = RowChecker(ChargerCreate, charger_rules, "drop")(typo)
    assert no_errors == {} and "custom_Id" not in dropped
    assert "max_powr" not in dropped["ports"][0]
    sent, no_errors = RowChecker(ChargerCreate, charger_rules, "send")(typo)
    assert no_errors == {} and sent["custom_Id"] == "Bay 7"  # passed through unchecked
    assert sent["ports"][0]["max_powr"] == 7
    with pytest.raises(ValueError, match="unknown_fields"):
        RowChecker(ChargerCreate, charger_rules, "keep")  # type: ignore[arg-type]


def test_a_model_and_its_dict_give_the_same_body_entry() -> None:
    row = next(charger_rows(1))
    model = structure_create(row, ChargerCreate)
    from_dict, _ = CHARGERS(row)
    from_model, errors = CHARGERS(model)
    assert errors == {} and orjson.loads(orjson.dumps(from_model)) == orjson.loads(
        orjson.dumps(from_dict)
    )
    assert CHARGERS(["CP-1"])[1] == {
        "non_field_errors": [
            "Invalid data. Expected a ChargerCreate or a dictionary, but got list."
        ]
    }
