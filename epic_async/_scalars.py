"""Coercions of JSON scalars, shared by reads and writes: pure functions, one rule each.

Each takes a decoded JSON value and returns the typed value or raises ``ValueError`` /
``TypeError`` with a message fit for a user. Only coercions that need no guess live here: a number
given as a numeric string, an int where a float is modelled, an enum value in another case.

>>> to_float("21.5"), to_int(" 7 "), to_str(123)
(21.5, 7, '123')
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any

__all__ = [
    "enum_table",
    "scalar_hook",
    "to_bool",
    "to_date",
    "to_datetime",
    "to_float",
    "to_int",
    "to_str",
]

_INT = re.compile(r"\s*[-+]?\d+\s*")
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


@cache
def enum_table(enum_cls: type[Enum]) -> dict[str, Enum]:
    """Lower-cased value → member: enum values are read in any case."""
    return {str(member.value).lower(): member for member in enum_cls}


def to_str(value: Any) -> str:
    if value.__class__ is str:
        return str(value)
    if value is None:
        raise TypeError("This field may not be null.")
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # ids and labels sometimes arrive as numbers
    raise TypeError(f"expected a string, got {type(value).__name__}")


def to_bool(value: Any) -> bool:
    if value is True or value is False:
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is not a valid boolean.")


def to_int(value: Any) -> int:
    if value.__class__ is int:
        return int(value)
    number: int | None = None
    if (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _INT.fullmatch(value)
    ):
        number = int(value)
    # Within 64 bits: what JSON tools on both sides can carry back and forth.
    if number is None or not -(2**63) <= number < 2**63:
        raise ValueError(f"{_short(value)} is not a valid integer.")
    return number


def to_float(value: Any) -> float:
    if value.__class__ is float or (isinstance(value, int) and not isinstance(value, bool)):
        return float(value)
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    raise ValueError(f"{_short(value)} is not a valid number.")


def to_datetime(value: Any) -> datetime:
    """An ISO 8601 datetime (``Z`` accepted); naive results are the caller's to interpret."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 datetime, got {type(value).__name__}")
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not an ISO 8601 datetime.") from None


def to_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO 8601 date, got {type(value).__name__}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{_short(value)} is not an ISO 8601 date.") from None


def scalar_hook(coerce: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    """A coercion as a cattrs structure hook, which also receives the target type."""

    def structure_scalar(value: Any, _: Any) -> Any:
        return coerce(value)

    return structure_scalar


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
