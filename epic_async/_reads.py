"""Reads: decoded JSON → read models, tolerant by default, strict on request.

The real API is a Django REST Framework service whose serializers change over time and differ
between tenants, so one field that does not fit must never cost a user a page, a ``get`` or a
report. Each record goes through two paths:

- **The fast path** (cattrs, generated per model): exact JSON types, plus what DRF habitually sends
  for them: numbers as numeric strings (``DecimalField``), ints for floats, enum values in any
  case, ISO datetimes with ``Z`` or an offset. A new enum value is kept as its raw string. Any
  other misfit, or a key the model does not know, sends the record to the tolerant path.
- **The tolerant path** (only for records the fast path refused), field by field: a value that
  can be coerced without guessing is coerced (a ``{key, value}`` status given as a plain string
  becomes ``key`` with ``value=""``; an object where a plain string is modelled gives its
  ``key``); otherwise an optional field reads ``None`` and a required one keeps the raw value as it
  came, and either way the raw value is kept in the model's ``extra`` with the unknown keys.
  One WARNING per (model, field) per client names the model, the field, the expected type and a
  preview of the value.

The one thing that still fails is a record without its identity (``id``; ``uuid`` for users;
``charger_id`` for the charger-status and charger report rows): the pager de-duplicates by it, so
a listing raises :class:`ResponseValidationError` naming the offset rather than skip or merge
records silently. With ``strict=True`` anything the fast path refuses raises
:class:`ResponseValidationError` listing every offending field path (``$.results[3].status``).

>>> from epic_async.models import Charger
>>> reader = Reader()
>>> charger = reader.structure(
...     {"id": "c1", "charger_point_id": "CP-1", "status": "AVAILABLE", "telemetry": {"v": 230}},
...     Charger,
... )
>>> charger.status.key, charger.extra["telemetry"]
(<ChargerStatus.AVAILABLE: 'AVAILABLE'>, {'v': 230})
"""

from __future__ import annotations

import logging
import re
import typing
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import UTC, date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

import attrs
from cattrs.gen import make_dict_unstructure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from . import _scalars
from ._errors import ResponseValidationError
from ._fastread import make_read_function
from ._typeinfo import fixed_tuple, is_read_model, open_enum, sequence_item, without_none
from .models import (
    ChargerReportRow,
    ChargerStatusReportRow,
    Extra,
    Page,
    User,
)

__all__ = ["Reader", "structure", "structure_page", "unstructure"]

T = TypeVar("T")
Hook = Callable[[Any, Any], Any]

logger = logging.getLogger("epic_async")

#: The reader structuring on this thread right now: lets the fast path's datetime hook report a
#: naive datetime to its client without a context argument on every hook call.
_CURRENT: ContextVar[Reader | None] = ContextVar("epic_async_reader", default=None)

#: The key each listed model is de-duplicated by, where it is not ``id``.
_IDENTITY: Mapping[type, str] = {
    User: "uuid",
    ChargerStatusReportRow: "charger_id",
    ChargerReportRow: "charger_id",
}


def identity_field(cls: type) -> str | None:
    """The field that identifies a record of ``cls`` (``None``: the model has none)."""
    if cls in _IDENTITY:
        return _IDENTITY[cls]
    return "id" if "id" in attrs.fields_dict(cls) else None


# --- type analysis ------------------------------------------------------------------------------


def _is_key_value(cls: type) -> bool:
    """A ``{key, value}`` object model (statuses, connector types)."""
    return {a.name for a in attrs.fields(cls)} == {"extra", "key", "value"}


def _label(tp: Any) -> str:
    """A type as a user reads it: ``PortStatus | str``, ``list[ChargerPortSummary]``."""
    if isinstance(tp, type):
        return tp.__name__
    return re.sub(r"\b[\w.]+\.(?=\w)", "", str(tp)).replace("NoneType", "None")


def _open_enum_value(enum_cls: type[Enum], text: str) -> Any:
    return _scalars.enum_table(enum_cls).get(text.lower(), text)


# --- the fast path ------------------------------------------------------------------------------


def _aware(parsed: datetime) -> datetime:
    """A naive datetime is read as UTC, and the client is told once (it is a guess: DRF with
    ``USE_TZ=False`` sends server-local times)."""
    if parsed.tzinfo is not None:
        return parsed
    reader = _CURRENT.get()
    if reader is not None:
        reader.note_naive_datetime()
    return parsed.replace(tzinfo=UTC)


def _fast_datetime(value: Any, _: Any) -> datetime:
    return _aware(_scalars.to_datetime(value))


def _fast_open_enum(tp: Any) -> Hook:
    enum_cls = open_enum(without_none(tp)[0])
    assert enum_cls is not None
    nullable = without_none(tp)[1]
    exact = {str(m.value): m for m in enum_cls}
    table = _scalars.enum_table(enum_cls)

    def structure_open_enum(value: Any, _: Any) -> Any:
        found = exact.get(value)  # an unhashable value raises: the tolerant path takes it
        if found is not None:
            return found
        if value.__class__ is str:
            return table.get(value.lower(), value)
        if value is None and nullable:
            return None
        raise TypeError(f"expected a {enum_cls.__name__} value, got {type(value).__name__}")

    return structure_open_enum


def _read_bool(value: Any) -> bool:
    """JSON booleans, and their spellings no one could read otherwise: ``"true"``/``"false"``
    in any case, ``1``/``0``. (Create rows from a spreadsheet accept more: ``"yes"``, ``"n"``.)"""
    if value is True or value is False:
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if value.__class__ is int and value in (0, 1):
        return bool(value)
    raise ValueError(f"{value!r} is not a valid boolean.")


_SCALARS: dict[type, Callable[[Any], Any]] = {
    str: _scalars.to_str,
    bool: _read_bool,
    int: _scalars.to_int,
    float: _scalars.to_float,
}


def _fast_optional_scalar(tp: Any) -> Hook:
    """The hot path of listings: most fields are ``str | None`` or ``float | None`` and arrive
    with exactly that JSON type, so they pass through without a second dispatch."""
    exact = without_none(tp)[0]
    slow = _SCALARS[exact]

    def structure_optional_scalar(value: Any, _: Any) -> Any:
        if value is None or value.__class__ is exact:
            return value
        return slow(value)

    return structure_optional_scalar


def _fast_tuple(converter: OrjsonConverter) -> Callable[[Any], Hook]:
    def factory(tp: Any) -> Hook:
        args = fixed_tuple(tp)
        assert args is not None
        hooks = [converter.get_structure_hook(a) for a in args]

        def structure_fixed_tuple(value: Any, _: Any) -> tuple[Any, ...]:
            if len(value) != len(hooks) or isinstance(value, str | Mapping):
                raise ValueError(f"expected {len(hooks)} items")
            return tuple(hook(v, a) for hook, v, a in zip(hooks, value, args, strict=True))

        return structure_fixed_tuple

    return factory


def _fast_sequence(converter: OrjsonConverter) -> Callable[[Any], Hook]:
    """``tuple[X, ...]`` and ``list[X]`` from a JSON array only (cattrs would take a string as
    a sequence of characters)."""

    def factory(tp: Any) -> Hook:
        item = sequence_item(tp)
        kind = typing.get_origin(tp)
        hook = converter.get_structure_hook(item)

        def structure_sequence(value: Any, _: Any) -> Any:
            if value.__class__ is not list:
                raise TypeError(f"expected a list, got {type(value).__name__}")
            return kind([hook(v, item) for v in value])

        return structure_sequence

    return factory


def _make_fast_converter() -> OrjsonConverter:
    converter = make_converter(detailed_validation=False)
    for cls, coerce in _SCALARS.items():
        converter.register_structure_hook(cls, _scalars.scalar_hook(coerce))
    converter.register_structure_hook(datetime, _fast_datetime)
    converter.register_structure_hook(date, _scalars.scalar_hook(_scalars.to_date))
    converter.register_structure_hook_factory(
        lambda t: without_none(t)[1] and without_none(t)[0] in _SCALARS, _fast_optional_scalar
    )
    converter.register_structure_hook_factory(
        lambda t: open_enum(without_none(t)[0]) is not None, _fast_open_enum
    )
    converter.register_structure_hook_factory(
        lambda t: fixed_tuple(t) is not None, _fast_tuple(converter)
    )
    converter.register_structure_hook_factory(
        lambda t: sequence_item(t) is not None, _fast_sequence(converter)
    )
    converter.register_structure_hook_factory(
        is_read_model, lambda cls: make_read_function(cls, converter.get_structure_hook, _aware)
    )
    converter.register_unstructure_hook_factory(is_read_model, _unstructure_model(converter))
    return converter


def _unstructure_model(converter: OrjsonConverter) -> Callable[[Any], Callable[[Any], Any]]:
    def factory(cls: Any) -> Callable[[Any], Any]:
        generated = make_dict_unstructure_fn(cls, converter, extra=override(omit=True))

        def unstructure_read_model(model: Any) -> Any:
            if model.extra is None:
                try:
                    data: dict[str, Any] = generated(model)
                except Exception:  # a field read as None where a value is modelled
                    pass
                else:
                    for name in _required_names(cls):
                        if data.get(name, 0) is None:
                            del data[name]  # it was missing: it stays missing
                    return data
            return _unstructure_tolerant(model, converter)

        return unstructure_read_model

    return factory


@cache
def _required_names(cls: Any) -> tuple[str, ...]:
    """Fields that cannot be ``None``: holding ``None``, they were missing from the answer."""
    return tuple(spec.name for spec in _fields(cls)[0] if not spec.nullable)


def _unstructure_tolerant(model: Any, converter: OrjsonConverter) -> dict[str, Any]:
    """A model the tolerant path built: what did not fit goes back as it came (from ``extra``),
    and a required field that was missing stays missing, so that reading it again gives the
    same model."""
    extra = model.extra or {}
    data: dict[str, Any] = {}
    cls: Any = type(model)
    for spec in _fields(cls)[0]:
        if spec.name in extra:
            continue
        value = getattr(model, spec.name)
        if value is None:
            if spec.nullable:
                data[spec.name] = None
            continue
        data[spec.name] = converter.unstructure(value, spec.tp)
    data.update(extra)
    return data


_fast = _make_fast_converter()


_hooks: dict[Any, Hook] = {}


def _fast_hook(cls: Any) -> Hook:
    hook = _hooks.get(cls)
    if hook is None:
        hook = _hooks[cls] = _fast.get_structure_hook(cls)
    return hook


# --- the tolerant path --------------------------------------------------------------------------


@attrs.frozen
class Issue:
    """One thing the tolerant path did: ``kind`` is ``coerced`` (fixed without a guess),
    ``mismatch`` (kept raw), ``missing`` (a field without a default was absent) or ``unknown``."""

    kind: str
    path: str
    model: str
    field: str
    expected: str
    value: Any = None

    def describe(self) -> str:
        if self.kind == "unknown":
            return f"{self.path}: unknown key"
        if self.kind == "missing":
            return f"{self.path}: missing (expected {self.expected})"
        return f"{self.path}: expected {self.expected}, got {_preview(self.value)}"


Issues = list[Issue]
#: (value, path, issues) → (fits, typed value); a coercer records what it had to do in `issues`.
Coercer = Callable[[Any, str, Issues], tuple[bool, Any]]
_MISFIT: tuple[bool, Any] = (False, None)


@cache
def _coercer(tp: Any) -> Coercer:
    inner, nullable = without_none(tp)
    coerce = _coercer_of(inner)
    if not nullable:
        return coerce

    def coerce_optional(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        return (True, None) if value is None else coerce(value, path, issues)

    return coerce_optional


def _coercer_of(tp: Any) -> Coercer:
    enum_cls = open_enum(tp)
    if enum_cls is not None:
        return _coerce_open_enum(enum_cls)
    if is_read_model(tp):
        return _coerce_model(tp)
    item = sequence_item(tp)
    if item is not None:
        return _coerce_sequence(item, typing.get_origin(tp))
    args = fixed_tuple(tp)
    if args is not None:
        return _coerce_tuple(args)
    if tp is str:
        return _coerce_str
    scalar = {int: _scalars.to_int, float: _scalars.to_float, bool: _read_bool}.get(tp)
    if scalar is not None:
        return _coerce_scalar(scalar)
    if tp is datetime:
        return _coerce_scalar(lambda v: _aware(_scalars.to_datetime(v)))
    if tp is date:
        return _coerce_scalar(_scalars.to_date)
    raise TypeError(f"no read rule for {tp!r}")  # a model field of a type this module lacks


def _coerced(issues: Issues, path: str, expected: str, value: Any) -> None:
    issues.append(Issue("coerced", path, "", path.rpartition(".")[2], expected, value))


def _key_of(value: Any) -> str | None:
    """The ``key`` of a ``{key, value}`` object, where a plain value is modelled."""
    if isinstance(value, Mapping) and isinstance(value.get("key"), str):
        return str(value["key"])
    return None


def _coerce_str(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return True, _scalars.to_str(value)
    key = _key_of(value)
    if key is None:
        return _MISFIT
    _coerced(issues, path, "str", value)
    return True, key


def _coerce_scalar(convert: Callable[[Any], Any]) -> Coercer:
    def coerce_scalar(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        try:
            return True, convert(value)
        except (TypeError, ValueError, OverflowError):
            return _MISFIT

    return coerce_scalar


def _coerce_open_enum(enum_cls: type[Enum]) -> Coercer:
    def coerce_open_enum(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        if isinstance(value, str):
            return True, _open_enum_value(enum_cls, value)
        key = _key_of(value)
        if key is None:
            return _MISFIT
        _coerced(issues, path, enum_cls.__name__, value)
        return True, _open_enum_value(enum_cls, key)

    return coerce_open_enum


def _coerce_sequence(item_tp: Any, kind: Callable[[list[Any]], Any]) -> Coercer:
    def coerce_sequence(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        if not isinstance(value, list):
            return _MISFIT
        coerce = _coercer(item_tp)
        out = []
        for index, item in enumerate(value):
            fits, typed = coerce(item, f"{path}[{index}]", issues)
            if not fits:
                return _MISFIT  # the list is kept whole, as it came: never a silent gap
            out.append(typed)
        return True, kind(out)

    return coerce_sequence


def _coerce_tuple(args: tuple[Any, ...]) -> Coercer:
    def coerce_tuple(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        if not isinstance(value, list | tuple) or len(value) != len(args):
            return _MISFIT
        out = []
        for index, (item, tp) in enumerate(zip(value, args, strict=True)):
            fits, typed = _coercer(tp)(item, f"{path}[{index}]", issues)
            if not fits:
                return _MISFIT
            out.append(typed)
        return True, tuple(out)

    return coerce_tuple


def _coerce_model(cls: type[Any]) -> Coercer:
    key_value = _is_key_value(cls)

    def coerce_model(value: Any, path: str, issues: Issues) -> tuple[bool, Any]:
        if isinstance(value, Mapping):
            return True, tolerant_model(value, cls, path, issues)
        if key_value and isinstance(value, str):
            # A status sent as its plain key instead of {key, value}.
            _coerced(issues, path, cls.__name__, value)
            return True, tolerant_model({"key": value}, cls, path, issues)
        return _MISFIT

    return coerce_model


@attrs.frozen
class _Field:
    name: str
    tp: Any
    nullable: bool
    required: bool


@cache
def _fields(cls: Any) -> tuple[tuple[_Field, ...], frozenset[str]]:
    hints = typing.get_type_hints(cls)
    plan = tuple(
        _Field(a.name, hints[a.name], without_none(hints[a.name])[1], a.default is attrs.NOTHING)
        for a in attrs.fields(cls)
        if a.name != "extra"
    )
    return plan, frozenset(f.name for f in plan)


def tolerant_model(data: Mapping[str, Any], cls: type[T], path: str, issues: Issues) -> T:
    """Build ``cls`` from ``data`` field by field, never failing; ``issues`` says what was done."""
    model: Any = cls  # type[T] is hashable, but not to functools.cache's signature
    plan, known = _fields(model)
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    name = cls.__name__
    for spec in plan:
        where = f"{path}.{spec.name}"
        if spec.name in data:
            raw = data[spec.name]
            fits, typed = _coercer(spec.tp)(raw, where, issues)
            if fits:
                kwargs[spec.name] = typed
                continue
            issues.append(Issue("mismatch", where, name, spec.name, _label(spec.tp), raw))
            # Better a surprising value than a lost record: a required field keeps what came.
            kwargs[spec.name] = None if spec.nullable else raw
            extra[spec.name] = raw
        elif spec.required:
            issues.append(Issue("missing", where, name, spec.name, _label(spec.tp)))
            kwargs[spec.name] = None
    for key in data:
        if key not in known:
            extra[key] = data[key]
            issues.append(Issue("unknown", f"{path}.{key}", name, str(key), "", data[key]))
    if extra:
        kwargs["extra"] = Extra(extra)
    return cls(**kwargs)


# --- the reader: one per client -----------------------------------------------------------------


class Reader:
    """Structures the API's answers for one client: tolerant (default) or ``strict``.

    It remembers what it has warned about, so a drifting field is logged once per client, not
    once per record.
    """

    def __init__(self, *, strict: bool = False) -> None:
        self.strict = strict
        self._warned: set[tuple[str, str, str]] = set()
        self._naive_noted = False

    def structure(self, data: Any, cls: type[T]) -> T:
        """One answer (a ``get``, an action, a created object) into ``cls``."""
        token = _CURRENT.set(self)
        try:
            return self._one(data, cls, "$", None)
        finally:
            _CURRENT.reset(token)

    def structure_page(self, data: Any, item_cls: type[T], *, offset: int | None = None) -> Page[T]:
        """A pagination envelope; ``count`` and ``results`` are required. ``offset`` (the page's
        first record) lets an error name the record's position in the listing."""
        results_raw, count, next_url, previous = _envelope(data)
        hook = _fast_hook(item_cls)
        token = _CURRENT.set(self)
        try:
            try:
                results = [hook(item, item_cls) for item in results_raw]
            except Exception:
                results = [
                    self._one(
                        item, item_cls, f"$.results[{i}]", None if offset is None else offset + i
                    )
                    for i, item in enumerate(results_raw)
                ]
        finally:
            _CURRENT.reset(token)
        return Page(count=count, next=next_url, previous=previous, results=results)

    def _one(self, data: Any, cls: type[T], path: str, position: int | None) -> T:
        try:
            result: T = _fast_hook(cls)(data, cls)
            return result
        except Exception:
            pass
        _check_identity(data, cls, path, position)
        issues: Issues = []
        model = tolerant_model(data, cls, path, issues)
        self._report(issues, cls, path)
        return model

    def _report(self, issues: Issues, cls: type, path: str) -> None:
        if self.strict and issues:
            messages = [issue.describe() for issue in issues]
            raise ResponseValidationError(
                f"the API answered a {cls.__name__} that does not fit the model "
                f"(strict=True): {'; '.join(messages[:3])}"
                f"{f'; and {len(messages) - 3} more' if len(messages) > 3 else ''}",
                messages=messages,
            )
        for issue in issues:
            if issue.kind in ("mismatch", "missing"):
                self._warn_once(issue)
            elif issue.kind == "unknown" and logger.isEnabledFor(logging.INFO):
                self._info_once(issue)

    def _warn_once(self, issue: Issue) -> None:
        marker = ("warn", issue.model, issue.field)
        if marker in self._warned:
            return
        self._warned.add(marker)
        if issue.kind == "missing":
            what, done = "is missing", "read as None"
        else:
            what, done = f"got {_preview(issue.value)}", "the raw value is kept in .extra"
        logger.warning(
            "epic_async: %s.%s expected %s, %s; %s and the record is still read "
            "(logged once per client; EpicClient(strict=True) raises instead)",
            issue.model,
            issue.field,
            issue.expected,
            what,
            done,
        )

    def _info_once(self, issue: Issue) -> None:
        marker = ("info", issue.model, issue.field)
        if marker not in self._warned:
            self._warned.add(marker)
            logger.info(
                "epic_async: %s has a field the model lacks, %r; it is readable in .extra",
                issue.model,
                issue.field,
            )

    def note_naive_datetime(self) -> None:
        if not self._naive_noted:
            self._naive_noted = True
            logger.warning(
                "epic_async: the API sent a datetime without a UTC offset; it is read as UTC "
                "(logged once per client)"
            )


def _envelope(data: Any) -> tuple[list[Any], int, str | None, str | None]:
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
    next_url, previous = data.get("next"), data.get("previous")
    if not isinstance(next_url, str | None) or not isinstance(previous, str | None):
        raise ResponseValidationError(
            "expected 'next'/'previous' to be URLs or null",
            messages=["$.next: not a string"],
            body=data,
        )
    return data["results"], count, next_url, previous


def _check_identity(data: Any, cls: type, path: str, position: int | None) -> None:
    where = "" if position is None else f" at offset {position}"
    if not isinstance(data, Mapping):
        raise ResponseValidationError(
            f"the API answered a {cls.__name__}{where} that is not an object: {_preview(data)}",
            messages=[f"{path}: expected an object"],
            body=data,
        )
    name = identity_field(cls)
    if name is None:
        return
    value = data.get(name)
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise ResponseValidationError(
            f"the API answered a {cls.__name__}{where} without a usable {name!r} "
            f"(got {_preview(value)}): it cannot be told apart from the others, so it is not read",
            messages=[f"{path}.{name}: missing or not a string"],
            body=data,
        )


def _preview(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


# --- module-level conveniences ------------------------------------------------------------------

_default = Reader()


def structure(data: Any, cls: type[T]) -> T:
    """Structure one answer tolerantly (a client's own :class:`Reader` is used inside the SDK)."""
    return _default.structure(data, cls)


def structure_page(data: Any, item_cls: type[T]) -> Page[T]:
    """Structure one page tolerantly (a client's own :class:`Reader` is used inside the SDK)."""
    return _default.structure_page(data, item_cls)


def unstructure(obj: Any) -> Any:
    """Any read model (or list of them) as JSON-ready data, keyed by the API's field names, with
    what did not fit merged back from ``extra``."""
    return _fast.unstructure(obj)
