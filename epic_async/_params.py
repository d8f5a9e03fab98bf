"""Turning typed keyword arguments into query strings and path ids. Pure functions.

Each check runs before any request and names the argument and the value it rejected, with the
valid choices when there is a fixed set.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime
from enum import Enum
from typing import TypeVar

__all__ = [
    "bool_param",
    "date_param",
    "enum_list_param",
    "enum_param",
    "id_list_param",
    "id_param",
    "int_choice_param",
    "str_param",
]

E = TypeVar("E", bound=Enum)


def id_param(name: str, value: object) -> str:
    """A resource id (UUID or string): non-blank, no slash, so it cannot escape its path segment."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str or uuid.UUID, got {type(value).__name__} {value!r}")
    if not value.strip() or value != value.strip() or "/" in value or "?" in value or "#" in value:
        raise ValueError(
            f"{name} must be a non-blank id without '/', '?', '#' or spaces, got {value!r}"
        )
    return value


def enum_param(name: str, value: object, enum_cls: type[E]) -> str:
    """An enum member or its value in any case (one rule for every input, as create rows read
    them); sent in the spelling the API documents.

    >>> from epic_async.models import ChargerStatus
    >>> enum_param("status", "available", ChargerStatus)
    'AVAILABLE'
    """
    if isinstance(value, enum_cls):
        return str(value.value)
    if isinstance(value, str):
        for member in enum_cls:
            if str(member.value).lower() == value.lower():
                return str(member.value)
    choices = ", ".join(str(m.value) for m in enum_cls)
    raise ValueError(f"{name}={value!r} is not a valid choice; valid choices: {choices}")


def ordering_param(name: str, value: object, enum_cls: type[E]) -> str:
    """A sort key: an enum member or its value, optionally prefixed with ``-`` for descending."""
    descending = isinstance(value, str) and value.startswith("-")
    try:
        key = enum_param(name, value[1:] if descending else value, enum_cls)  # type: ignore[index]
    except ValueError:
        choices = ", ".join(str(m.value) for m in enum_cls)
        raise ValueError(
            f"{name}={value!r} is not a valid choice; valid choices: {choices} "
            "(prefix one with '-' for descending order)"
        ) from None
    return "-" + key if descending else key


def _as_list(name: str, values: object) -> list[object]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name} takes a list of values (joined with commas for you), got {values!r}"
        )
    items = list(values)
    if not items:
        raise ValueError(f"{name} must not be an empty list (omit the argument to not filter)")
    return items


def enum_list_param(name: str, values: object, enum_cls: type[E]) -> str:
    """A list of enum values, joined with commas (the ``__in`` filters)."""
    return ",".join(enum_param(name, v, enum_cls) for v in _as_list(name, values))


def id_list_param(name: str, values: object) -> str:
    """A list of ids, joined with commas."""
    return ",".join(id_param(name, v) for v in _as_list(name, values))


def bool_param(name: str, value: object) -> str:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return "true" if value else "false"


def date_param(name: str, value: object) -> str:
    """A ``date`` or ``datetime`` (its date is taken) as ``YYYY-MM-DD``; strings must be ISO dates."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError(f"{name} must be a date, datetime or 'YYYY-MM-DD' string, got {value!r}")


def int_choice_param(name: str, value: object, choices: Iterable[int]) -> str:
    allowed = list(choices)
    if isinstance(value, bool) or value not in allowed:
        raise ValueError(f"{name}={value!r} is not a valid choice; valid choices: {allowed}")
    return str(value)


def str_param(name: str, value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-blank string, got {value!r}")
    return value
