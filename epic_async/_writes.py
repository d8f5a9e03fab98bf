"""Create rows: a model or a plain dict in, a checked create model and its JSON body entry out.

Writes are strict where reads are tolerant: an enum must be one of its values (any case) before a
row is sent, so a typo fails with the valid choices instead of a 400 for the whole batch. Fields
that were not given are left out of the body (DRF treats a missing field and ``null`` differently).
Errors are DRF-shaped, so the SDK's own checks and the server's read alike.

>>> from epic_async.models import UserCreate
>>> structure_create({"email": "a@b.c"}, UserCreate)
Traceback (most recent call last):
...
epic_async._writes.CreateValidationError: role: This field is required.; ...
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, TypeVar

import attrs
from cattrs import ClassValidationError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.orjson import OrjsonConverter, make_converter

from . import _scalars
from ._rowcheck import RowChecker
from ._scalars import scalar_hook
from .models import ReadModel

__all__ = ["CreateValidationError", "structure_create", "unstructure_create"]

T = TypeVar("T")


class CreateValidationError(ValueError):
    """A create row that does not fit its model; ``field_errors`` is DRF-shaped
    (``{"manufacturer": ["This field is required."], "ports": [{}, {"connector_type": [...]}]}``)."""

    def __init__(self, message: str, field_errors: dict[str, Any]) -> None:
        super().__init__(message)
        self.field_errors = field_errors


def _strict_enum(value: Any, enum_cls: type[Enum]) -> Any:
    """A member or its value (any case); anything else names the valid choices."""
    if isinstance(value, enum_cls):
        return value
    found = _scalars.enum_table(enum_cls).get(value.lower()) if isinstance(value, str) else None
    if found is None:
        choices = ", ".join(str(m.value) for m in enum_cls)
        raise ValueError(f'"{value}" is not a valid choice (one of: {choices}).')
    return found


def _make_converter(detailed: bool) -> OrjsonConverter:
    converter = make_converter(detailed_validation=detailed)
    for cls, coerce in (
        (str, _scalars.to_str),
        (bool, _scalars.to_bool),
        (int, _scalars.to_int),
        (float, _scalars.to_float),
        (datetime, _scalars.to_datetime),
        (date, _scalars.to_date),
    ):
        converter.register_structure_hook(cls, scalar_hook(coerce))
    # cattrs dispatches on the MRO first: StrEnum is registered on its own so that an enum field
    # does not fall to the hook of its ``str`` base.
    converter.register_structure_hook(StrEnum, _strict_enum)
    converter.register_structure_hook(Enum, _strict_enum)
    # Value types shared with reads (``Geometry``, ``LatLng``, ...) carry ``extra``: never written.
    converter.register_structure_hook_factory(
        lambda t: isinstance(t, type) and issubclass(t, ReadModel),
        lambda t: make_dict_structure_fn(t, converter, extra=override(omit=True)),
    )
    converter.register_unstructure_hook_factory(attrs.has, lambda t: _body_entry(t, converter))
    return converter


def _body_entry(cls: Any, converter: OrjsonConverter) -> Any:
    if issubclass(cls, ReadModel):
        return make_dict_unstructure_fn(
            cls, converter, _cattrs_omit_if_default=True, extra=override(omit=True)
        )
    return make_dict_unstructure_fn(cls, converter, _cattrs_omit_if_default=True)


_fast = _make_converter(detailed=False)
_detailed = _make_converter(detailed=True)


def structure_create(item: Any, cls: type[T]) -> T:
    """A create model from a model or a plain dict; errors are DRF-shaped ``field_errors``, in
    the words of the row checks ``create_many`` runs (:mod:`epic_async._rowcheck`), so the same
    problem reads the same here and there. Keys the model does not know are left out."""
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
        errors = RowChecker(cls, unknown_fields="drop")(item)[1] or _field_errors(exc)
        summary = "; ".join(f"{k}: {_first(v)}" for k, v in list(errors.items())[:3])
        if len(errors) > 3:
            summary += "; ..."
        raise CreateValidationError(summary, errors) from exc


def unstructure_create(model: Any) -> dict[str, Any]:
    """A create model as its JSON body entry, leaving out fields that were not given."""
    result: dict[str, Any] = _fast.unstructure(model)
    return result


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
