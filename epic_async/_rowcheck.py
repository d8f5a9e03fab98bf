"""Create rows in one pass: structure, check and serialise a dict row, reporting every problem.

``create_many`` prepares each row before it costs a request. A generated function per create model
reads each field of a plain dict (or a create model), coerces what can be coerced without a guess
(``"32"`` for a number, ``"false"`` for a boolean, an enum value in any case), and writes the JSON
body entry directly: no model instance is built, so one charger row costs a few microseconds. Every
problem of the row lands in one DRF-shaped error dict, in one wording per problem whatever the
field (``'abc' is not a valid number.`` for every numeric field), nested lists aligned with the
input (``{"ports": [{}, {"current": [...]}]}``) so ``errors["ports"][1]`` always works. The
cross-field rules of :mod:`epic_async._validation` then run on what was read, skipping fields that
already failed, so a bad boolean no longer hides a missing AC ``current``.

Keys no model knows are errors by default (``Unknown field; did you mean 'custom_id'?``), dropped
with ``unknown_fields="drop"`` or sent unchecked with ``"send"``.

>>> from epic_async.models import UserCreate
>>> check = RowChecker(UserCreate)
>>> check({"email": "a@b.co", "role": "DRIVER", "driver": {}, "id_tags": [], "Email": "x"})[1]
{'Email': ["Unknown field; did you mean 'email'?"]}
"""

from __future__ import annotations

import difflib
import enum
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any, Generic, Literal, TypeVar

import attrs

from . import _scalars
from ._typeinfo import without_none

__all__ = [
    "REQUIRED",
    "RowChecker",
    "Rules",
    "UnknownFields",
    "check_unknown_fields",
    "unknown_field_message",
]

C = TypeVar("C")
UnknownFields = Literal["error", "drop", "send"]
#: Cross-field rules: (body entry read so far, errors so far or None) -> errors or None.
Rules = Callable[[dict[str, Any], dict[str, Any] | None], dict[str, Any] | None]
Check = Callable[[Mapping[str, Any]], tuple[dict[str, Any], dict[str, Any] | None]]

REQUIRED = "This field is required."
NULL = "This field may not be null."
NOT_A_STRING = "Not a valid string."
NON_FIELD = "non_field_errors"
_UNKNOWN_MODES = ("error", "drop", "send")
_MISSING = object()
_LARGEST = 1.7976931348623157e308  # a float within ±this is finite: NaN and ±inf fail the test


def check_unknown_fields(value: object) -> UnknownFields:
    """``unknown_fields`` as given, or ``ValueError`` naming the choices."""
    if value not in _UNKNOWN_MODES:
        raise ValueError(
            f"unknown_fields must be one of {', '.join(_UNKNOWN_MODES)}, got {value!r}"
        )
    return typing.cast(UnknownFields, value)


def unknown_field_message(name: str, known: typing.Iterable[str]) -> str:
    """``Unknown field; did you mean 'custom_id'?`` (the closest known name, any case), or
    ``Unknown field.`` when nothing is close."""
    names = {k.lower(): k for k in known}
    close = difflib.get_close_matches(str(name).lower(), list(names), n=1, cutoff=0.6)
    return f"Unknown field; did you mean {names[close[0]]!r}?" if close else "Unknown field."


class _Bad:
    """A field value that did not fit: its DRF-shaped errors (returned, not raised: cheaper), and
    for nested objects what could be read of them, so that the rules still check the rest."""

    __slots__ = ("errors", "partial")

    def __init__(self, errors: Any, partial: Any = None) -> None:
        self.errors = errors
        self.partial = partial


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _type_name(value: Any) -> str:
    return type(value).__name__


# --- slow paths: anything that is not already the exact JSON type ---------------------------------


def _to_str(value: Any) -> Any:
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)  # ids and labels typed as numbers in a spreadsheet
    return _Bad([NOT_A_STRING])


def _to_bool(value: Any) -> Any:
    try:
        return _scalars.to_bool(value)
    except ValueError:
        return _Bad([f"{_short(value)} is not a valid boolean."])


def _number(value: Any) -> float | int | None:
    """A finite number from a number or a numeric string; None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if -_LARGEST <= value <= _LARGEST else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if -_LARGEST <= number <= _LARGEST else None
    return None


def _not_a_number(value: Any) -> _Bad:
    return _Bad([f"{_short(value)} is not a valid number."])


def _to_int(value: Any) -> Any:
    number = _number(value)
    if number is None:
        return _not_a_number(value)
    if isinstance(number, float):
        if not number.is_integer():
            return _Bad([f"{_short(value)} is not a valid integer."])
        number = int(number)
    if not -(2**63) <= number < 2**63:  # what JSON tools on both sides carry
        return _Bad([f"{_short(value)} is not a valid integer."])
    return number


def _to_float(value: Any) -> Any:
    number = _number(value)
    return _not_a_number(value) if number is None else float(number)


def _enum_coercer(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    table = _scalars.enum_table(enum_cls)
    choices = ", ".join(str(m.value) for m in enum_cls)

    def to_enum(value: Any) -> Any:
        if isinstance(value, enum_cls):
            return value.value
        member = table.get(value.strip().lower()) if isinstance(value, str) else None
        if member is None:
            return _Bad([f'"{value}" is not a valid choice (one of: {choices}).'])
        return member.value

    return to_enum


def _expected_list(value: Any) -> _Bad:
    return _Bad([f'Expected a list of items but got type "{_type_name(value)}".'])


def _expected_dict(value: Any) -> dict[str, list[str]]:
    return {NON_FIELD: [f"Invalid data. Expected a dictionary, but got {_type_name(value)}."]}


def _list_of(check_item: Check) -> Callable[[Any], Any]:
    """A list of nested objects; errors aligned with the input, ``{}`` where an item is fine.

    The body entry holds them as a tuple (JSON has no tuples: it is sent as a list): a tuple of
    flat objects is one the garbage collector stops tracking, and a bulk run holds thousands of
    rows in flight.
    """

    def read_list(value: Any) -> Any:
        if value.__class__ is not list and not isinstance(value, list | tuple):
            return _expected_list(value)
        items: list[Any] = []
        errors: list[Any] | None = None
        for position, element in enumerate(value):
            if element.__class__ is dict or isinstance(element, Mapping):
                entry, found = check_item(element)
            elif attrs.has(type(element)):
                entry, found = check_item(_model_dict(element))
            else:
                entry, found = None, _expected_dict(element)
            items.append(entry)
            if found:
                if errors is None:
                    errors = [{} for _ in value]
                errors[position] = found
        return tuple(items) if errors is None else _Bad(errors, items)

    return read_list


def _list_of_scalars(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A list of scalars; errors aligned with the input, ``[]`` where an item is fine."""

    def read_list(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return _expected_list(value)
        items: list[Any] = []
        errors: list[Any] | None = None
        for position, element in enumerate(value):
            if element is None:
                read: Any = _Bad([NULL])
            else:
                read = coerce(element)
            if read.__class__ is _Bad:
                if errors is None:
                    errors = [[] for _ in value]
                errors[position] = read.errors
            else:
                items.append(read)
        return items if errors is None else _Bad(errors)

    return read_list


def _fixed_tuple(coercers: tuple[Callable[[Any], Any], ...]) -> Callable[[Any], Any]:
    """``tuple[float, float]`` (a location's ``[lat, lng]``): sent as a JSON list."""
    size = len(coercers)

    def read_tuple(value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return _expected_list(value)
        if len(value) != size:
            return _Bad([f"Expected a list of {size} items, got {len(value)}."])
        items: list[Any] = []
        problems: list[str] = []
        for coerce, element in zip(coercers, value, strict=True):
            read = coerce(element) if element is not None else _Bad([NULL])
            if read.__class__ is _Bad:
                problems.extend(read.errors)
            else:
                items.append(read)
        return _Bad(problems) if problems else items

    return read_tuple


_SCALARS: dict[Any, Callable[[Any], Any]] = {
    str: _to_str,
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
}
# The exact JSON type of each scalar, taken as it is (the common case: no call at all).
_FAST = {
    str: "v.__class__ is str",
    bool: "(v is True or v is False)",
    int: "v.__class__ is int",
    float: "(v.__class__ is float and -LARGEST <= v <= LARGEST or v.__class__ is int)",
}


def _coercer(tp: Any, mode: UnknownFields) -> Callable[[Any], Any]:
    """The slow-path reader of one field type (also for list items and tuple members); nested
    objects treat unknown keys as the row does (``mode``)."""
    if tp in _SCALARS:
        return _SCALARS[tp]
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return _enum_coercer(tp)
    if isinstance(tp, type) and attrs.has(tp):
        return _nested(_checker(tp, mode), tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (list, tuple) and args and (origin is list or args[-1] is Ellipsis):
        item = args[0]
        if isinstance(item, type) and attrs.has(item):
            return _list_of(_checker(item, mode))
        return _list_of_scalars(_coercer(item, mode))
    if origin is tuple and args:
        return _fixed_tuple(tuple(_coercer(a, mode) for a in args))
    raise TypeError(f"no create-row reader for {tp!r}")  # a model change this module must learn


def _nested(check: Check, cls: type[Any]) -> Callable[[Any], Any]:
    """A nested object (``places_api_data``, ``driver``)."""

    def read_nested(value: Any) -> Any:
        if isinstance(value, Mapping):
            entry, errors = check(value)
        elif isinstance(value, cls):
            entry, errors = check(_model_dict(value))
        else:
            return _Bad(_expected_dict(value))
        return _Bad(errors, entry) if errors else entry

    return read_nested


def _model_dict(model: Any) -> dict[str, Any]:
    """A create model's given fields as a dict (``None`` and ``extra`` left out), to check it
    like a plain row."""
    return {
        a.name: getattr(model, a.name)
        for a in attrs.fields(type(model))
        if a.name != "extra" and getattr(model, a.name) is not None
    }


# --- the generated checker of one model -----------------------------------------------------------


def _unknown_handler(cls: type[Any], mode: UnknownFields) -> Callable[..., Any]:
    known = tuple(a.name for a in attrs.fields(cls) if a.name != "extra")
    names = frozenset(known)

    def unknown(row: Mapping[str, Any], out: dict[str, Any], errors: Any) -> Any:
        for key in row:
            if key in names:
                continue
            if mode == "send":
                out[key] = row[key]  # unchecked: for tenants whose API takes fields we lack
            elif mode == "error":
                errors = errors if errors is not None else {}
                errors[key] = [unknown_field_message(key, known)]
        return errors

    return unknown


@cache
def _checker(cls: type[Any], mode: UnknownFields) -> Check:
    """The generated one-pass reader of model ``cls``: row → (body entry, errors or None)."""
    hints = typing.get_type_hints(cls)
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    globs: dict[str, Any] = {
        "MISSING": _MISSING,
        "Bad": _Bad,
        "LARGEST": _LARGEST,
        "KNOWN": frozenset(a.name for a in fields),
        "UNKNOWN": _unknown_handler(cls, mode),
        "REQUIRED": [REQUIRED],
        "NULL": [NULL],
    }
    lines = [
        "def check(o):",
        "    out = {}",
        "    err = None",
        "    if not (o.keys() <= KNOWN):",
        "        err = UNKNOWN(o, out, err)",
    ]
    for i, field in enumerate(fields):
        name = field.name
        tp, _ = without_none(hints[name])
        required = field.default is attrs.NOTHING
        globs[f"c{i}"] = _coercer(tp, mode)
        lines.append(f"    v = o.get({name!r}, MISSING)")
        fast = _FAST.get(tp)
        if fast is not None:
            lines.append(f"    if {fast}: out[{name!r}] = v")
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            globs[f"t{i}"] = {str(m.value): m.value for m in tp}
            lines.append(f"    if v.__class__ is str and v in t{i}: out[{name!r}] = t{i}[v]")
        else:
            lines.append("    if False: pass")
        if required:
            lines.append(
                f"    elif v is MISSING or v is None: err = (err or {{}}); err[{name!r}] = (REQUIRED if v is MISSING else NULL)"
            )
        else:
            lines.append("    elif v is MISSING or v is None: pass")
        lines += [
            "    else:",
            f"        v = c{i}(v)",
            f"        if v.__class__ is not Bad: out[{name!r}] = v",
            "        else:",
            f"            err = (err or {{}}); err[{name!r}] = v.errors",
            f"            if v.partial is not None: out[{name!r}] = v.partial",
        ]
    lines.append("    return out, err")
    namespace: dict[str, Any] = {}
    source = "\n".join(lines)
    exec(compile(source, f"<epic_async create row {cls.__name__}>", "exec"), globs, namespace)
    check: Check = namespace["check"]
    return check


class RowChecker(Generic[C]):
    """Reads create rows of model ``cls``: ``checker(row) -> (body_entry, errors)``.

    ``row`` is a plain dict or an instance of ``cls``; ``errors`` is ``{}`` when the row is fine,
    else every problem of the row in DRF's shape. ``rules`` add the cross-field checks.
    """

    def __init__(
        self, cls: type[C], rules: Rules | None = None, unknown_fields: UnknownFields = "error"
    ) -> None:
        self.cls = cls
        self.rules = rules
        self.unknown_fields = check_unknown_fields(unknown_fields)
        self._check = _checker(typing.cast(Any, cls), self.unknown_fields)

    def __call__(self, row: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        if row.__class__ is dict or isinstance(row, Mapping):
            entry, errors = self._check(row)
        elif isinstance(row, self.cls):
            entry, errors = self._check(_model_dict(row))
        else:
            kind = _type_name(row)
            message = (
                f"Invalid data. Expected a {self.cls.__name__} or a dictionary, but got {kind}."
            )
            return {}, {NON_FIELD: [message]}
        if self.rules is not None:
            errors = self.rules(entry, errors)
        return entry, errors or {}
