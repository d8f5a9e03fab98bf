"""The wire format: JSON in and out (orjson) and structuring into the models (cattrs).

This module owns every rule about how the API's JSON maps onto :mod:`epic_async.models`:

- Tolerant reads. A field typed ``SomeEnum | str`` takes the enum member when the value is known
  (case-insensitively: ``"Paid"`` and ``"PAID"`` are both :attr:`PaymentType.PAID`) and keeps the
  raw string when it is not, so a new status on the server never breaks a listing. Unknown keys are
  ignored. Datetimes are always timezone-aware (a naive one is read as UTC).
- Strict writes. Create models use plain enum types: an unknown value is an error before any request.
  ``None`` fields are left out of the body.
- Two converters with the same hooks: a fast one for the hot path, and a detailed one that is
  only run after the fast one failed, to produce cattrs' per-field messages.

>>> from epic_async.models import ChargerStatusInfo
>>> structure({"key": "BRAND_NEW", "value": "Brand new"}, ChargerStatusInfo).key
'BRAND_NEW'
"""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from enum import Enum, StrEnum
from functools import cache
from typing import Any, TypeVar

import attrs
import orjson
from cattrs import ClassValidationError, IterableValidationError, transform_error
from cattrs.gen import make_dict_unstructure_fn
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from ._errors import ResponseValidationError
from .models import Page

__all__ = [
    "CreateValidationError",
    "dumps",
    "loads",
    "structure",
    "structure_create",
    "structure_page",
    "unstructure",
    "unstructure_create",
]

T = TypeVar("T")

loads: Callable[[bytes | str], Any] = orjson.loads


def dumps(obj: Any) -> bytes:
    """Serialise a JSON-ready value (dicts, lists, enums, datetimes) with orjson."""
    return orjson.dumps(obj)


class CreateValidationError(ValueError):
    """A create row that does not fit its model; ``field_errors`` is DRF-shaped
    (``{"manufacturer": ["This field is required."], "ports": [{}, {"connector_type": [...]}]}``)."""

    def __init__(self, message: str, field_errors: dict[str, Any]) -> None:
        super().__init__(message)
        self.field_errors = field_errors


# --- hooks ----------------------------------------------------------------------------------


@cache
def _lookup(enum_cls: type[Enum]) -> dict[str, Enum]:
    table: dict[str, Enum] = {}
    for member in enum_cls:
        table[str(member.value).lower()] = member
    return table


def _enum_or_raw(enum_cls: type[Enum]) -> Callable[[Any, Any], Any]:
    """Reads of ``Enum | str``: the member when known, the raw string otherwise."""
    table = _lookup(enum_cls)
    exact = {str(m.value): m for m in enum_cls}

    def structure_enum_or_raw(value: Any, _: Any) -> Any:
        if value is None:
            return None
        found = exact.get(value)
        if found is not None:
            return found
        text = str(value)
        return table.get(text.lower(), text)

    return structure_enum_or_raw


def _strict_enum(value: Any, enum_cls: type[Enum]) -> Any:
    """Writes: a member or its value (any case); anything else names the valid choices."""
    if isinstance(value, enum_cls):
        return value
    found = _lookup(enum_cls).get(value.lower()) if isinstance(value, str) else None
    if found is None:
        choices = ", ".join(str(m.value) for m in enum_cls)
        raise ValueError(f'"{value}" is not a valid choice (one of: {choices}).')
    return found


def _enum_union_member(tp: Any) -> type[Enum] | None:
    """``SomeEnum | str`` (optionally ``| None``) → ``SomeEnum``; anything else → None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if len(args) != 2 or str not in args:
        return None
    other = args[0] if args[1] is str else args[1]
    return other if isinstance(other, type) and issubclass(other, Enum) else None


def _datetime(value: Any, _: Any) -> datetime:
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _date(value: Any, _: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def _str(value: Any, _: Any) -> str:
    if value.__class__ is str:
        return str(value)
    if value is None:
        raise TypeError("This field may not be null.")
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)  # ids and labels sometimes arrive as numbers
    raise TypeError(f"expected a string, got {type(value).__name__}")


_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})


def _bool(value: Any, _: Any) -> bool:
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


def _int(value: Any, _: Any) -> int:
    if value.__class__ is int:
        return int(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise ValueError(f"{value!r} is not a valid integer.")


def _float(value: Any, _: Any) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a valid number.")
    return float(value)


_SCALARS: dict[type, Callable[[Any, Any], Any]] = {str: _str, bool: _bool, int: _int, float: _float}


def _optional_inner(tp: Any) -> Any:
    """``X | None`` → X; any other type → None."""
    if typing.get_origin(tp) not in (typing.Union, types.UnionType):
        return None
    args = typing.get_args(tp)
    if len(args) != 2 or type(None) not in args:
        return None
    return args[0] if args[1] is type(None) else args[1]


def _optional_scalar(tp: Any) -> type | None:
    """``X | None`` with X a JSON scalar type → X; anything else → None."""
    inner = _optional_inner(tp)
    return inner if inner in _SCALARS else None


def _optional_scalar_hook(tp: Any) -> Callable[[Any, Any], Any]:
    """The hot path of listings: most fields are ``str | None`` or ``float | None`` and arrive
    with exactly that JSON type, so they are passed through without a second dispatch."""
    exact = _optional_scalar(tp)
    slow = _SCALARS[exact]  # type: ignore[index]

    def structure_optional_scalar(value: Any, _: Any) -> Any:
        if value is None or value.__class__ is exact:
            return value
        return slow(value, exact)

    return structure_optional_scalar


def _optional_other(tp: Any) -> Any:
    """``X | None`` with X anything but a JSON scalar → X; else None."""
    inner = _optional_inner(tp)
    return inner if inner is not None and inner not in _SCALARS else None


def _make_converter(detailed: bool) -> OrjsonConverter:
    converter = make_converter(detailed_validation=detailed)
    converter.register_structure_hook(datetime, _datetime)
    converter.register_structure_hook(date, _date)
    # cattrs dispatches on the MRO first: StrEnum is registered on its own so that an enum field
    # does not fall to the hook of its ``str`` base.
    for cls, hook in ((str, _str), (bool, _bool), (int, _int), (float, _float)):
        converter.register_structure_hook(cls, hook)
    converter.register_structure_hook(StrEnum, _strict_enum)
    converter.register_structure_hook(Enum, _strict_enum)
    converter.register_structure_hook_factory(
        lambda t: _optional_scalar(t) is not None, _optional_scalar_hook
    )

    def optional_hook(tp: Any) -> Callable[[Any, Any], Any]:
        # One closure per type, resolving the inner hook once instead of on every value.
        inner = _optional_other(tp)
        inner_hook: list[Callable[[Any, Any], Any]] = []

        def structure_optional(value: Any, _: Any) -> Any:
            if value is None:
                return None
            if not inner_hook:
                inner_hook.append(converter.get_structure_hook(inner))
            return inner_hook[0](value, inner)

        return structure_optional

    converter.register_structure_hook_factory(
        lambda t: _optional_other(t) is not None, optional_hook
    )
    converter.register_structure_hook_factory(
        lambda t: _enum_union_member(t) is not None,
        lambda t: _enum_or_raw(_enum_union_member(t)),  # type: ignore[arg-type]
    )
    # Create bodies leave out what was not given: DRF treats a missing field and null differently.
    converter.register_unstructure_hook_factory(
        lambda t: attrs.has(t) and t.__name__.endswith("Create"),
        lambda t: make_dict_unstructure_fn(t, converter, _cattrs_omit_if_default=True),
    )
    return converter


_fast = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def _messages(exc: Exception) -> list[str]:
    return list(transform_error(exc, path="$"))


def structure(data: Any, cls: type[T]) -> T:
    """Structure a decoded JSON value into ``cls``; a misfit is a :class:`ResponseValidationError`."""
    try:
        return _fast.structure(data, cls)
    except Exception:
        explained: T = _explain(data, cls, getattr(cls, "__name__", str(cls)))
        return explained


def _explain(data: Any, cls: Any, name: str) -> Any:
    try:
        return _detailed.structure(data, cls)
    except Exception as exc:
        messages = _messages(exc)
        raise ResponseValidationError(
            f"the API answered a {name} that does not fit the model: {'; '.join(messages[:3])}",
            messages=messages,
            body=data,
        ) from exc


def structure_page(data: Any, item_cls: type[T]) -> Page[T]:
    """Structure a pagination envelope; ``count`` and ``results`` are required.

    The items go through the item class's own hook in one list comprehension, which is the hot
    path of every listing.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("results"), list):
        raise ResponseValidationError(
            f"expected a page with 'results', got {_preview(data)}",
            messages=["$.results: missing"],
            body=data,
        )
    count = data.get("count")
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise ResponseValidationError(
            f"expected a page with an integer 'count', got count={count!r}",
            messages=["$.count: missing or not an integer"],
            body=data,
        )
    next_url = data.get("next")
    previous = data.get("previous")
    if not isinstance(next_url, str | None) or not isinstance(previous, str | None):
        raise ResponseValidationError(
            "expected 'next'/'previous' to be URLs or null",
            messages=["$.next: not a string"],
            body=data,
        )
    hook = _item_hook(item_cls)  # type: ignore[arg-type]
    try:
        results = [hook(item, item_cls) for item in data["results"]]
    except Exception:
        _explain(data["results"], list[item_cls], f"page of {item_cls.__name__}")  # type: ignore[valid-type]
        raise  # pragma: no cover - _explain raises for anything the fast path refused
    return Page(count=count, next=next_url, previous=previous, results=results)


@cache
def _item_hook(cls: type[Any]) -> Callable[[Any, Any], Any]:
    return _fast.get_structure_hook(cls)


def _preview(data: Any) -> str:
    text = repr(data)
    return text if len(text) <= 80 else text[:77] + "..."


# --- create models --------------------------------------------------------------------------


def structure_create(item: Any, cls: type[T]) -> T:
    """A create model from a model or a plain dict; errors are DRF-shaped ``field_errors``.

    >>> from epic_async.models import UserCreate
    >>> structure_create({"email": "a@b.c"}, UserCreate)
    Traceback (most recent call last):
    ...
    epic_async._convert.CreateValidationError: role: This field is required.; ...
    """
    if isinstance(item, cls):
        return item
    if not isinstance(item, Mapping):
        raise CreateValidationError(
            f"expected a {cls.__name__} or a dict, got {type(item).__name__}",
            {"non_field_errors": [f"Expected a {cls.__name__} or a dict."]},
        )
    try:
        return _fast.structure(item, cls)
    except Exception:
        pass
    try:
        return _detailed.structure(item, cls)
    except Exception as exc:
        errors = _field_errors(exc)
        summary = "; ".join(f"{k}: {_first(v)}" for k, v in list(errors.items())[:3])
        if len(errors) > 3:
            summary += "; ..."
        raise CreateValidationError(summary, errors) from exc


def _first(errors: Any) -> str:
    if isinstance(errors, list):
        for entry in errors:
            text = _first(entry)
            if text:
                return text
        return ""
    if isinstance(errors, dict):
        return next((f"{k}: {_first(v)}" for k, v in errors.items()), "")
    return str(errors)


def _message_for(exc: BaseException) -> str:
    if isinstance(exc, KeyError):
        return "This field is required."
    if isinstance(exc, TypeError):
        return str(exc) if "expected" in str(exc) or "null" in str(exc) else "Wrong type."
    return str(exc) or type(exc).__name__


def _field_errors(exc: BaseException) -> dict[str, Any]:
    """cattrs' exception tree → DRF's nested error dict."""
    if isinstance(exc, ClassValidationError):
        errors: dict[str, Any] = {}
        with_notes, without = exc.group_exceptions()
        for sub, note in with_notes:
            errors[note.name] = _nested(sub)
        for sub in without:
            errors.setdefault("non_field_errors", []).append(_message_for(sub))
        return errors
    return {"non_field_errors": [_message_for(exc)]}


def _nested(exc: BaseException) -> Any:
    if isinstance(exc, ClassValidationError):
        return _field_errors(exc)
    if isinstance(exc, IterableValidationError):
        with_notes, without = exc.group_exceptions()
        if without or not with_notes:
            return [_message_for(e) for e in without] or ["Invalid list."]
        indexes = [int(note.index) for _, note in with_notes if isinstance(note.index, int)]
        items: list[Any] = [{} for _ in range(max(indexes, default=-1) + 1)]
        for sub, note in with_notes:
            if isinstance(note.index, int):
                items[note.index] = _nested(sub)
        return items
    return [_message_for(exc)]


def unstructure(obj: Any) -> Any:
    """Any model (or list of them) as JSON-ready data: enums as their values, nested models as
    dicts. Datetimes stay ``datetime`` objects (orjson writes them as ISO 8601)."""
    return _fast.unstructure(obj)


def unstructure_create(model: Any) -> dict[str, Any]:
    """A create model as its JSON body entry, leaving out fields that were not given."""
    result: dict[str, Any] = _fast.unstructure(model)
    return result
