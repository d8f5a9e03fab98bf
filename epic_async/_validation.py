"""The API's cross-field rules of create rows (docs/api-contract.md §3, §5, §6), as pure functions.

They run on the body entry :mod:`epic_async._rowcheck` read from a row, after its field-by-field
pass, and add their messages to the same DRF-shaped error dict, so a bad row fails with its index
and every problem at once *before* it costs a request or, worse, sinks a whole all-or-nothing
batch on the server. A field that already failed (``'abc' is not a valid number.``) is not judged
again (no "Required for an AC port." on top).

>>> from epic_async.models import ChargerCreate, PortCreate, ConnectorType
>>> row = ChargerCreate(charger_point_id="CP-1", manufacturer="epic_ocpp", model="m",
...     rfid_required=False, ports=[PortCreate(connector_id=1, connector_type=ConnectorType.J1772)])
>>> validate_charger(row)
{'ports': [{'max_current': ['Required for an AC port.'], 'current': ['Required for an AC port.']}]}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._rowcheck import RowChecker
from .models import ChargerCreate, LocationCreate, UserCreate

__all__ = [
    "DuplicateTracker",
    "charger_key",
    "charger_rules",
    "location_key",
    "location_rules",
    "unique_key",
    "user_key",
    "user_rules",
    "validate_charger",
    "validate_location",
    "validate_user",
]

Errors = dict[str, Any]

_BLANK = "This field may not be blank."
_AC_CONNECTORS = frozenset({"J1772", "TYPE_2", "SHUKO"})
_DC_CONNECTORS = frozenset({"CCS", "CHADEMO", "CCS_COMBO_2"})
_UNDECIDED = "?"  # a port whose kind cannot be told: its connector type itself failed
# Deliberately loose (one @, a dot in the domain, no spaces): the server has the last word.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_NOTHING: Mapping[str, Any] = {}


def _add(errors: Errors | None, name: str, message: str) -> Errors:
    errors = errors if errors is not None else {}
    errors.setdefault(name, []).append(message)
    return errors


def _blanks(entry: Mapping[str, Any], errors: Errors | None, *names: str) -> Errors | None:
    for name in names:
        value = entry.get(name)
        if value is not None and not value.strip():
            errors = _add(errors, name, _BLANK)
    return errors


def _nested_errors(errors: Errors | None, name: str) -> Mapping[str, Any]:
    """What the field pass already found inside the nested object ``name``."""
    found = errors.get(name) if errors else None
    return found if isinstance(found, Mapping) else _NOTHING


# --- chargers -----------------------------------------------------------------------------------


def _port_kind(port: Mapping[str, Any], current_type: Any, failed: Mapping[str, Any]) -> str | None:
    """``"AC"``, ``"DC"``, None (a NACS port on a charger of unknown current: either will do), or
    ``_UNDECIDED`` when the connector type itself is wrong."""
    if current_type in ("AC", "DC"):
        return str(current_type)
    connector = port.get("connector_type")
    if connector in _AC_CONNECTORS:
        return "AC"
    if connector in _DC_CONNECTORS:
        return "DC"
    if connector is None or "connector_type" in failed:
        return _UNDECIDED
    return None


def _check_pair(
    problems: Errors | None,
    port: Mapping[str, Any],
    failed: Mapping[str, Any],
    names: tuple[str, str],
    why: str,
) -> Errors | None:
    limit_name, value_name = names
    for name in names:
        if name in failed:
            continue  # already "'abc' is not a valid number.": nothing to add
        number = port.get(name)
        if number is None:
            problems = _add(problems, name, f"Required for {why}.")
        elif number <= 0:
            problems = _add(problems, name, "Must be greater than 0.")
    limit, value = port.get(limit_name), port.get(value_name)
    if limit is not None and value is not None and 0 < limit < value:
        problems = _add(problems, value_name, f"Must not exceed {limit_name} ({limit:g}).")
    return problems


def _port_problems(
    port: Mapping[str, Any], current_type: Any, failed: Mapping[str, Any]
) -> Errors | None:
    problems: Errors | None = None
    connector_id = port.get("connector_id")
    if connector_id is not None and connector_id < 0:
        problems = _add(problems, "connector_id", "Must be 0 or greater.")
    kind = _port_kind(port, current_type, failed)
    if kind == "AC":
        problems = _check_pair(problems, port, failed, ("max_current", "current"), "an AC port")
    elif kind == "DC":
        problems = _check_pair(problems, port, failed, ("max_power", "power"), "a DC port")
    elif kind is None:
        has_ac = port.get("max_current") is not None and port.get("current") is not None
        has_dc = port.get("max_power") is not None and port.get("power") is not None
        tried = any(n in failed for n in ("max_current", "current", "max_power", "power"))
        if not (has_ac or has_dc or tried):
            problems = _add(
                problems,
                "non_field_errors",
                "A NACS port needs max_current and current (AC) or max_power and power (DC).",
            )
    return problems


def _port_fine(port: Mapping[str, Any], current_type: Any) -> bool:
    """The common case, decided cheaply: a positive pair within its limit for the port's kind."""
    if current_type == "AC" or (
        current_type != "DC" and port.get("connector_type") in _AC_CONNECTORS
    ):
        limit, value = port.get("max_current"), port.get("current")
    elif current_type == "DC" or port.get("connector_type") in _DC_CONNECTORS:
        limit, value = port.get("max_power"), port.get("power")
    else:
        return False
    connector_id = port.get("connector_id")
    return (
        limit is not None
        and value is not None
        and 0 < value <= limit
        and connector_id is not None
        and connector_id >= 0
    )


def charger_rules(entry: dict[str, Any], errors: Errors | None) -> Errors | None:
    """A charger's cross-field rules: no blank ids, 1 or 3 phases, at least one port, AC ports
    with ``max_current``/``current``, DC ports with ``max_power``/``power``, connector ids unique
    on the charger."""
    errors = _blanks(entry, errors, "charger_point_id", "manufacturer", "model")
    phases = entry.get("number_phases")
    if phases is not None and phases not in (1, 3):
        errors = _add(errors, "number_phases", f'"{phases}" is not a valid choice (one of: 1, 3).')
    ports = entry.get("ports")
    if ports is None:
        return errors
    if not ports:
        return _add(errors, "ports", "A charger needs at least one port.")
    current_type = entry.get("current_type")
    known = errors.get("ports") if errors else None
    if known is None:
        # The common case: every port fine and its connector id new on the charger.
        seen = {port.get("connector_id") for port in ports if port is not None}
        if len(seen) == len(ports) and all(_port_fine(port, current_type) for port in ports):
            return errors
    aligned = known if isinstance(known, list) and len(known) == len(ports) else None
    ids: set[int] = set()
    found: list[Errors | None] = []
    for position, port in enumerate(ports):
        if port is None:  # not an object at all: the field pass said so
            found.append(None)
            continue
        failed = aligned[position] if aligned is not None else _NOTHING
        problems = _port_problems(port, current_type, failed)
        connector_id = port.get("connector_id")
        if connector_id is not None:
            if connector_id in ids:
                message = f"Connector id {connector_id} is used twice on this charger."
                problems = _add(problems, "connector_id", message)
            ids.add(connector_id)
        found.append(problems)
    if any(found):
        errors = errors if errors is not None else {}
        merged = aligned if aligned is not None else [{} for _ in ports]
        for entry_errors, problems in zip(merged, found, strict=True):
            for name, messages in (problems or {}).items():
                entry_errors.setdefault(name, []).extend(messages)
        errors["ports"] = merged
    return errors


# --- locations ------------------------------------------------------------------------------------


def _lat_lng_errors(lat: float, lng: float) -> list[str]:
    problems = []
    if not -90 <= lat <= 90:
        problems.append(f"Latitude must be between -90 and 90, got {lat}.")
    if not -180 <= lng <= 180:
        problems.append(f"Longitude must be between -180 and 180, got {lng}.")
    return problems


def location_rules(entry: dict[str, Any], errors: Errors | None) -> Errors | None:
    """A location's rules: no blank ids or addresses, coordinates in range (latitude first), a
    plausible contact e-mail."""
    errors = _blanks(entry, errors, "custom_id", "formatted_address")
    point = entry.get("location")
    if point is not None:
        problems = _lat_lng_errors(*point)
        if problems:
            errors = errors if errors is not None else {}
            errors["location"] = [*problems, "location is [latitude, longitude], latitude first."]
    places = entry.get("places_api_data")
    if places is not None:
        failed = _nested_errors(errors, "places_api_data")
        place_errors: Errors = {}
        for name in ("place_id", "formatted_address"):
            value = places.get(name)
            if name not in failed and value is not None and not value.strip():
                place_errors[name] = [_BLANK]
        where = (places.get("geometry") or {}).get("location") or {}
        if "lat" in where and "lng" in where:
            problems = _lat_lng_errors(where["lat"], where["lng"])
            if problems:
                place_errors["geometry"] = {"location": problems}
        if place_errors:
            errors = errors if errors is not None else {}
            errors["places_api_data"] = {**failed, **place_errors}
    email = entry.get("contact_email")
    if email is not None and not _EMAIL.fullmatch(email):
        errors = _add(errors, "contact_email", "Enter a valid email address.")
    return errors


# --- users ----------------------------------------------------------------------------------------


def user_rules(entry: dict[str, Any], errors: Errors | None) -> Errors | None:
    """A user's rules: a plausible e-mail, no blank id tags."""
    email = entry.get("email")
    if email is not None and not _EMAIL.fullmatch(email):
        errors = _add(errors, "email", "Enter a valid email address.")
    tags = entry.get("id_tags")
    if tags is not None and any(not tag.strip() for tag in tags):
        errors = _add(errors, "id_tags", "An id tag may not be blank.")
    return errors


# --- unique keys ----------------------------------------------------------------------------------


def charger_key(entry: Mapping[str, Any]) -> str | None:
    key = entry.get("charger_point_id")
    return key if isinstance(key, str) else None


def location_key(entry: Mapping[str, Any]) -> str | None:
    key = entry.get("custom_id")
    return key if isinstance(key, str) else None


def user_key(entry: Mapping[str, Any]) -> str | None:
    """E-mails compare case-insensitively, as mail servers do."""
    key = entry.get("email")
    return key.strip().lower() if isinstance(key, str) else None


def unique_key(row: ChargerCreate | LocationCreate | UserCreate) -> str:
    """The key the API holds unique for this kind of row: ``charger_point_id``, location
    ``custom_id``, or user ``email`` (compared case-insensitively, as mail servers do)."""
    if isinstance(row, ChargerCreate):
        return row.charger_point_id
    if isinstance(row, LocationCreate):
        return row.custom_id
    return row.email.strip().lower()


# --- the same rules on a model ---------------------------------------------------------------------


def validate_charger(row: ChargerCreate) -> dict[str, Any]:
    """DRF-shaped errors of one charger row; empty when it is valid."""
    return RowChecker(ChargerCreate, charger_rules)(row)[1]


def validate_location(row: LocationCreate) -> dict[str, Any]:
    """DRF-shaped errors of one location row; empty when it is valid."""
    return RowChecker(LocationCreate, location_rules)(row)[1]


def validate_user(row: UserCreate) -> dict[str, Any]:
    """DRF-shaped errors of one user row; empty when it is valid."""
    return RowChecker(UserCreate, user_rules)(row)[1]


class DuplicateTracker:
    """Remembers each unique key's first row, to fail later rows that repeat it.

    This is the one part of a bulk run that grows with the input (about 100 bytes per row), since
    a duplicate can repeat any earlier row.
    """

    def __init__(self, key_name: str) -> None:
        self.key_name = key_name
        self._first: dict[str, int] = {}

    def check(self, key: str, index: int) -> str | None:
        """None the first time ``key`` is seen; a message naming the first row afterwards."""
        first = self._first.setdefault(key, index)
        if first == index:
            return None
        return f"Duplicate {self.key_name} {key!r}: already used by row {first} of this input."
