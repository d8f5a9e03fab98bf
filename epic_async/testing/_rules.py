"""The simulator's server-side rules: enum choices and validation of bulk-create items, answered
the way Django REST Framework answers.

Written independently of the SDK's client-side checks (``epic_async._validation``) on purpose: the
loopback tests then show that both sides agree on the contract (docs/api-contract.md), rather than one module agreeing with
itself. Each function returns one error dict per item: ``{}`` when the item is fine, else
``{"field": ["message"]}`` with nested dicts/lists for nested objects (``ports``).
"""

from __future__ import annotations

import re
from collections.abc import Container
from typing import Any

__all__ = [
    "CHARGER_STATUSES",
    "CONNECTOR_TYPES",
    "NON_FIELD_ERRORS",
    "PORT_ORDERING",
    "PORT_STATUSES",
    "check_charger",
    "check_location",
    "check_user",
    "indexed_errors",
    "invalid_choice_query",
    "renamed_non_field_errors",
    "unknown_location",
]

Errors = dict[str, Any]

REQUIRED = "This field is required."
NON_FIELD_ERRORS = "non_field_errors"  # DRF's default NON_FIELD_ERRORS_KEY (a setting)
# The API's own enums (docs/api-contract.md §3-§4), kept here rather than imported from the SDK on purpose.
CHARGER_STATUSES = (
    "DISABLED",
    "AVAILABLE",
    "STANDBY",
    "CHARGING",
    "OFFLINE",
    "FAULTED",
    "RESERVED",
    "UNAVAILABLE",
)
PORT_STATUSES = frozenset(
    (
        *CHARGER_STATUSES,
        *("UNDEFINED", "NOT_CHARGING", "COMPLETE", "ASLEEP", "STARTING", "STOPPING"),
        *("WAITING_CHARGER", "WAITING_VEHICLE", "IN_PROGRESS", "FAILED_START", "FAILED_STOP"),
        *("NO_SESSION", "PREPARING", "SUSPENDED_EV", "SUSPENDED_EVSE", "UNPLUGGED"),
        *("UNPLUGGED_NOT_CHARGING", "UNPLUGGED_CHARGING", "PLUGGED_IN_NOT_CHARGING"),
        *("PLUGGED_IN_SUSPENDED_EV", "PLUGGED_IN_CHARGING", "CHARGING_COMPLETE"),
        *("CUSTOM_CHARGER", "CUSTOM_VEHICLE", "FINISHING"),
    )
)
PORT_ORDERING = (
    "created_at",
    "custom_id",
    "status",
    "parking_lot",
    "temperature",
    "max_power",
    "current_kilowatt_hour",
    "start_charging_at",
    "end_charging_at",
    "charger_point_id",
    "location_name",
)
CONNECTOR_TYPES = ("J1772", "CCS", "CHADEMO", "NACS", "SHUKO", "TYPE_2", "CCS_COMBO_2")
AC_CONNECTORS = ("J1772", "TYPE_2", "SHUKO")
CHOICES: dict[str, tuple[Any, ...]] = {
    "connectivity": ("WIFI", "ETHERNET", "CELLULAR", "NONE"),
    "current_type": ("AC", "DC", "NACS"),
    "payment_type": ("PAID", "FREE"),
    "number_phases": (1, 3),
    "phase_connection_type": ("DELTA", "WYE"),
    "role": ("partner", "tenant_owner", "admin", "driver"),
    "status": ("add", "inv", "act", "deact"),
    "notification_settings": ("NO_NOTIFICATIONS", "CHARGER_WARNINGS_AND_ALERTS"),
}
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _invalid_choice(value: Any) -> list[str]:
    return [f'"{value}" is not a valid choice.']


def invalid_choice_query(name: str, value: str) -> dict[str, list[str]]:
    """django-filter's answer to a query parameter outside its choices."""
    return {name: [f"Select a valid choice. {value} is not one of the available choices."]}


def renamed_non_field_errors(errors: Any, key: str) -> Any:
    """DRF's error tree with ``NON_FIELD_ERRORS_KEY`` set to ``key``, at any depth."""
    if isinstance(errors, dict):
        return {
            key if k == NON_FIELD_ERRORS else k: renamed_non_field_errors(v, key)
            for k, v in errors.items()
        }
    if isinstance(errors, list):
        return [renamed_non_field_errors(v, key) for v in errors]
    return errors


def indexed_errors(errors: Any) -> Any:
    """DRF 3.18's per-item errors (``LIST_SERIALIZER_ERRORS_AS_DICT``): every list of per-item
    error dicts, at any depth, as a dict of the failing items keyed by their index."""
    if isinstance(errors, dict):
        return {k: indexed_errors(v) for k, v in errors.items()}
    if isinstance(errors, list) and errors and all(isinstance(e, dict) for e in errors):
        return {str(i): indexed_errors(e) for i, e in enumerate(errors) if e}
    return errors


def unknown_location(items: list[Any], locations: Container[str]) -> Errors | None:
    """The answer of a view that looks each row's ``location`` up itself: the first row naming no
    location stops the batch with Django's ``DoesNotExist`` message, which names no row."""
    for item in items:
        location = item.get("location") if isinstance(item, dict) else None
        if location is not None and location not in locations:
            return {"detail": "Location matching query does not exist."}
    return None


def _text(item: dict[str, Any], name: str, errors: Errors, *, required: bool = True) -> None:
    value = item.get(name)
    if value is None:
        if required:
            errors[name] = [REQUIRED if name not in item else "This field may not be null."]
    elif not isinstance(value, str):
        errors[name] = ["Not a valid string."]
    elif required and not value.strip():
        errors[name] = ["This field may not be blank."]


def _choices(item: dict[str, Any], errors: Errors, *names: str) -> None:
    for name in names:
        if item.get(name) is not None and item[name] not in CHOICES[name]:
            errors[name] = _invalid_choice(item[name])


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _amount(value: Any) -> bool:
    """A number, or a numeric string (currents travel as strings: ``"32"``)."""
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return False
        return True
    return _number(value)


def _check_port(port: Any, current_type: Any) -> Errors:
    if not isinstance(port, dict):
        return {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    errors: Errors = {}
    if not isinstance(port.get("connector_id"), int) or isinstance(port.get("connector_id"), bool):
        errors["connector_id"] = [
            REQUIRED if "connector_id" not in port else "A valid integer is required."
        ]
    connector = port.get("connector_type")
    if connector is None:
        errors["connector_type"] = [REQUIRED]
    elif connector not in CONNECTOR_TYPES:
        errors["connector_type"] = _invalid_choice(connector)
    kind = current_type if current_type in ("AC", "DC") else None
    if kind is None and connector in CONNECTOR_TYPES and connector != "NACS":
        kind = "AC" if connector in AC_CONNECTORS else "DC"
    pairs = {"AC": ("max_current", "current"), "DC": ("max_power", "power")}
    if kind is not None:
        for name in pairs[kind]:
            if not _amount(port.get(name)):
                errors[name] = [
                    REQUIRED if port.get(name) is None else "A valid number is required."
                ]
    elif not any(all(_amount(port.get(n)) for n in pair) for pair in pairs.values()):
        errors["non_field_errors"] = ["Give max_current and current, or max_power and power."]
    return errors


def check_charger(item: Any, taken_point_ids: Container[str]) -> Errors:
    """One ChargerCreate item (docs/api-contract.md §3)."""
    if not isinstance(item, dict):
        return {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    errors: Errors = {}
    for name in ("charger_point_id", "manufacturer", "model"):
        _text(item, name, errors)
    if item.get("charger_point_id") in taken_point_ids:
        errors["charger_point_id"] = ["charger with this charger point id already exists."]
    if not isinstance(item.get("rfid_required"), bool):
        errors["rfid_required"] = [
            REQUIRED if "rfid_required" not in item else "Must be a valid boolean."
        ]
    _choices(
        item,
        errors,
        "connectivity",
        "current_type",
        "payment_type",
        "number_phases",
        "phase_connection_type",
    )
    ports = item.get("ports")
    if not isinstance(ports, list) or not ports:
        errors["ports"] = [REQUIRED if ports is None else "This list may not be empty."]
    else:
        port_errors = [_check_port(p, item.get("current_type")) for p in ports]
        if any(port_errors):
            errors["ports"] = port_errors
    return errors


def _lat_lng_ok(lat: Any, lng: Any) -> bool:
    return _number(lat) and _number(lng) and -90 <= lat <= 90 and -180 <= lng <= 180


def check_location(item: Any, taken_custom_ids: Container[str]) -> Errors:
    """One LocationCreate item (docs/api-contract.md §5)."""
    if not isinstance(item, dict):
        return {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    errors: Errors = {}
    _text(item, "custom_id", errors)
    _text(item, "formatted_address", errors)
    if item.get("custom_id") in taken_custom_ids:
        errors["custom_id"] = ["location with this custom id already exists."]
    point = item.get("location")
    if point is not None and not (
        isinstance(point, list) and len(point) == 2 and _lat_lng_ok(*point)
    ):
        errors["location"] = ["Expected [latitude, longitude] within range."]
    places = item.get("places_api_data")
    if not isinstance(places, dict):
        errors["places_api_data"] = [REQUIRED]
    else:
        place_errors: Errors = {}
        _text(places, "place_id", place_errors)
        _text(places, "formatted_address", place_errors)
        geometry = places.get("geometry")
        where = geometry.get("location") if isinstance(geometry, dict) else None
        if not isinstance(where, dict) or not _lat_lng_ok(where.get("lat"), where.get("lng")):
            place_errors["geometry"] = {"location": ["lat and lng are required, within range."]}
        if place_errors:
            errors["places_api_data"] = place_errors
    email = item.get("contact_email")
    if email is not None and not (isinstance(email, str) and EMAIL.fullmatch(email)):
        errors["contact_email"] = ["Enter a valid email address."]
    return errors


def check_user(item: Any, taken_emails: Container[str]) -> Errors:
    """One UserCreate item (docs/api-contract.md §6)."""
    if not isinstance(item, dict):
        return {"non_field_errors": ["Invalid data. Expected a dictionary."]}
    errors: Errors = {}
    email = item.get("email")
    if email is None:
        errors["email"] = [REQUIRED]
    elif not isinstance(email, str) or not EMAIL.fullmatch(email):
        errors["email"] = ["Enter a valid email address."]
    elif email.lower() in taken_emails:
        errors["email"] = ["user with this email already exists."]
    if item.get("role") is None:
        errors["role"] = [REQUIRED]
    _choices(item, errors, "role", "status", "notification_settings")
    if not isinstance(item.get("driver"), dict):
        errors["driver"] = [REQUIRED]
    tags = item.get("id_tags")
    if not isinstance(tags, list):
        errors["id_tags"] = [REQUIRED]
    elif not all(isinstance(t, str) and t.strip() for t in tags):
        errors["id_tags"] = ["An id tag may not be blank."]
    return errors
