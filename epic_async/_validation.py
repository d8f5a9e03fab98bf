"""Client-side checks of create rows, beyond what the types already enforce (pure functions).

The converter has already checked required fields, types and enum values. These functions add the
API's cross-field rules (API.md §3, §5, §6) so that a bad row fails with its index and a DRF-shaped
message *before* it costs a request or, worse, sinks a whole all-or-nothing batch on the server:

>>> from epic_async.models import ChargerCreate, PortCreate, ConnectorType
>>> row = ChargerCreate(charger_point_id="CP-1", manufacturer="epic_ocpp", model="m",
...     rfid_required=False, ports=[PortCreate(connector_id=1, connector_type=ConnectorType.J1772)])
>>> validate_charger(row)
{'ports': [{'max_current': ['Required for an AC port.'], 'current': ['Required for an AC port.']}]}
"""

from __future__ import annotations

import re
from typing import Any

from .models import (
    ChargerCreate,
    ConnectorType,
    CurrentType,
    LocationCreate,
    PortCreate,
    UserCreate,
)

__all__ = [
    "DuplicateTracker",
    "unique_key",
    "validate_charger",
    "validate_location",
    "validate_user",
]

_BLANK = "This field may not be blank."
_AC_CONNECTORS = frozenset({ConnectorType.J1772, ConnectorType.TYPE_2, ConnectorType.SHUKO})
_DC_CONNECTORS = frozenset({ConnectorType.CCS, ConnectorType.CHADEMO, ConnectorType.CCS_COMBO_2})
# Deliberately loose (one @, a dot in the domain, no spaces): the server has the last word.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _blank(value: str | None) -> bool:
    return value is not None and not value.strip()


def _port_kind(port: PortCreate, current_type: CurrentType | None) -> str | None:
    """``"AC"``, ``"DC"`` or None (a NACS port on a charger of unknown current: either will do)."""
    if current_type in (CurrentType.AC, CurrentType.DC):
        return str(current_type)
    if port.connector_type in _AC_CONNECTORS:
        return "AC"
    if port.connector_type in _DC_CONNECTORS:
        return "DC"
    return None


def _check_pair(
    errors: dict[str, list[str]],
    limit_name: str,
    limit: float | None,
    value_name: str,
    value: float | None,
    why: str,
) -> None:
    for name, number in ((limit_name, limit), (value_name, value)):
        if number is None:
            errors.setdefault(name, []).append(f"Required for {why}.")
        elif number <= 0:
            errors.setdefault(name, []).append("Must be greater than 0.")
    if limit is not None and value is not None and 0 < limit < value:
        errors.setdefault(value_name, []).append(f"Must not exceed {limit_name} ({limit:g}).")


def _port_errors(port: PortCreate, current_type: CurrentType | None) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if port.connector_id < 0:
        errors["connector_id"] = ["Must be 0 or greater."]
    kind = _port_kind(port, current_type)
    if kind == "AC":
        _check_pair(errors, "max_current", port.max_current, "current", port.current, "an AC port")
    elif kind == "DC":
        _check_pair(errors, "max_power", port.max_power, "power", port.power, "a DC port")
    else:
        has_ac = port.max_current is not None and port.current is not None
        has_dc = port.max_power is not None and port.power is not None
        if not (has_ac or has_dc):
            errors["non_field_errors"] = [
                "A NACS port needs max_current and current (AC) or max_power and power (DC)."
            ]
    return errors


def validate_charger(row: ChargerCreate) -> dict[str, Any]:
    """DRF-shaped errors of one charger row; empty when it is valid."""
    errors: dict[str, Any] = {}
    for name in ("charger_point_id", "manufacturer", "model"):
        if _blank(getattr(row, name)):
            errors[name] = [_BLANK]
    if row.number_phases is not None and row.number_phases not in (1, 3):
        errors["number_phases"] = [f'"{row.number_phases}" is not a valid choice (one of: 1, 3).']
    if not row.ports:
        errors["ports"] = ["A charger needs at least one port."]
        return errors
    port_errors: list[dict[str, Any]] = [_port_errors(p, row.current_type) for p in row.ports]
    seen: set[int] = set()
    for port, found in zip(row.ports, port_errors, strict=True):
        if port.connector_id in seen:
            found.setdefault("connector_id", []).append(
                f"Connector id {port.connector_id} is used twice on this charger."
            )
        seen.add(port.connector_id)
    if any(port_errors):
        errors["ports"] = port_errors
    return errors


def _lat_lng_errors(lat: float, lng: float) -> list[str]:
    problems = []
    if not -90 <= lat <= 90:
        problems.append(f"Latitude must be between -90 and 90, got {lat}.")
    if not -180 <= lng <= 180:
        problems.append(f"Longitude must be between -180 and 180, got {lng}.")
    return problems


def validate_location(row: LocationCreate) -> dict[str, Any]:
    """DRF-shaped errors of one location row; empty when it is valid."""
    errors: dict[str, Any] = {}
    for name in ("custom_id", "formatted_address"):
        if _blank(getattr(row, name)):
            errors[name] = [_BLANK]
    if row.location is not None:
        problems = _lat_lng_errors(*row.location)
        if problems:
            errors["location"] = [*problems, "location is [latitude, longitude], latitude first."]
    places = row.places_api_data
    place_errors: dict[str, Any] = {}
    for name in ("place_id", "formatted_address"):
        if _blank(getattr(places, name)):
            place_errors[name] = [_BLANK]
    point = places.geometry.location
    problems = _lat_lng_errors(point.lat, point.lng)
    if problems:
        place_errors["geometry"] = {"location": problems}
    if place_errors:
        errors["places_api_data"] = place_errors
    if row.contact_email is not None and not _EMAIL.fullmatch(row.contact_email):
        errors["contact_email"] = ["Enter a valid email address."]
    return errors


def validate_user(row: UserCreate) -> dict[str, Any]:
    """DRF-shaped errors of one user row; empty when it is valid."""
    errors: dict[str, Any] = {}
    if not _EMAIL.fullmatch(row.email):
        errors["email"] = ["Enter a valid email address."]
    if any(not tag.strip() for tag in row.id_tags):
        errors["id_tags"] = ["An id tag may not be blank."]
    return errors


def unique_key(row: ChargerCreate | LocationCreate | UserCreate) -> str:
    """The key the API holds unique for this kind of row: ``charger_point_id``, location
    ``custom_id``, or user ``email`` (compared case-insensitively, as mail servers do)."""
    if isinstance(row, ChargerCreate):
        return row.charger_point_id
    if isinstance(row, LocationCreate):
        return row.custom_id
    return row.email.strip().lower()


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
