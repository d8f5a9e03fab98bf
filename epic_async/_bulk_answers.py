"""What a refused bulk POST means: too large, some rows at fault, or refused whole (pure).

Django REST Framework says each of these in several shapes, depending on its version, its
settings and the view (see ``docs/bulk-creation.md``):

- **too large**: ``{"chargers": {"non_field_errors": ["Ensure this field has no more than 50
  elements."]}}`` (``ListSerializer(max_length=50)`` in a parent serializer), the same message as
  a list under the list's key or at the top level, under any ``NON_FIELD_ERRORS_KEY``, or a 413
  from a proxy with an HTML page or no body at all;
- **per-row errors**: a list aligned with the input (``{"chargers": [{}, {...}]}``, DRF before
  3.18 or with ``LIST_SERIALIZER_ERRORS_AS_DICT = False``) or a dict keyed by the failing rows'
  indexes as strings (``{"chargers": {"1": {...}}}``, DRF 3.18's default), nested lists too;
- **refused whole**: anything that names no row, e.g. ``{"detail": "Location matching query does
  not exist."}`` from a view that looks a foreign key up itself.

Only batch-level places are searched for a size message (never a row's own errors, where
"Ensure this field has no more than 100 characters." is about a string). Any batch-level error
*under the list's key* is read as "too large" even in another language: for a well-formed,
non-empty list that is the one thing DRF's list field can object to.

>>> classify(400, {"chargers": {"1": {"model": ["This field is required."]}}}, "chargers", [{}, {}])
BatchAnswer(verdict=<Verdict.ITEM_ERRORS: 'item_errors'>, cap=None, items={1: ItemErrors(errors={'model': ['This field is required.']}, raw={'model': ['This field is required.']})}, errors={}, raw={'chargers': {'1': {'model': ['This field is required.']}}})
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

__all__ = ["BatchAnswer", "ItemErrors", "Verdict", "classify", "normalise_errors", "size_cap"]


class Verdict(enum.Enum):
    TOO_LARGE = "too_large"  # split the batch (nothing of it was created)
    ITEM_ERRORS = "item_errors"  # these rows fail; the rest of the batch is sent again
    REFUSED = "refused"  # refused whole, naming no row: narrow it down


@attrs.frozen
class ItemErrors:
    """One row's errors: normalised (nested per-index dicts as lists aligned with the row's
    input) and ``raw``, as the server sent them."""

    errors: Mapping[str, Any]
    raw: Any


@attrs.frozen
class BatchAnswer:
    """The meaning of one refused batch; ``items`` are keyed by position in the batch."""

    verdict: Verdict
    cap: int | None = None  # TOO_LARGE: the maximum the server named, if it named one
    items: Mapping[int, ItemErrors] = attrs.field(factory=dict)
    errors: Mapping[str, Any] = attrs.field(factory=dict)  # REFUSED: normalised
    raw: Any = None  # the body as the server sent it


# A batch-level message about size. "characters" is a string field's max_length, never ours.
_SIZE = re.compile(
    r"no more than|at most|too many|too large|too long|maximum|max(?:imum)? (?:size|length)"
    r"|exceed|limit",
    re.IGNORECASE,
)
# The number a size message names: "no more than 50", "at most 50", "maximum of 50", "limit: 50".
_CAP = re.compile(
    r"(?:no more than|at most|up to|maximum(?: of| is)?|max(?:imum)?(?: size| length)?(?: is| of)?"
    r"|limit(?: is| of)?)\s*:?\s*(\d+)",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"\d+")


def _is_index(key: Any) -> bool:
    return (isinstance(key, str) and key.isdigit()) or isinstance(key, int)


def _messages(value: Any) -> list[str]:
    """Every string leaf of a batch-level error, in order."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return [m for v in value.values() for m in _messages(v)]
    if isinstance(value, list | tuple):
        return [m for v in value for m in _messages(v)]
    return []


def size_cap(
    messages: Sequence[str], batch_size: int, *, any_number: bool = False
) -> tuple[bool, int | None]:
    """(whether some message says "too large", the cap it names when it names one below
    ``batch_size``). ``any_number``: the messages are known to be about size (a batch-level
    error under the list's key, in any language): any number in them is the cap."""
    sized = [m for m in messages if _SIZE.search(m) and "character" not in m.lower()]
    pattern = _NUMBER if any_number else _CAP
    found = [int(n) for m in (messages if any_number else sized) for n in pattern.findall(m)]
    numbers = [n for n in found if 0 < n < batch_size]
    return bool(sized), min(numbers) if numbers else None


def _split_items(nested: Any, size: int) -> tuple[dict[int, Any], Any]:
    """Per-row errors under the list's key, and what is left of it at batch level."""
    if (
        isinstance(nested, list)
        and len(nested) == size
        and all(isinstance(e, Mapping) for e in nested)
    ):
        return {i: e for i, e in enumerate(nested) if e}, None
    if isinstance(nested, Mapping):
        rows = {k: v for k, v in nested.items() if _is_index(k)}
        if rows and all(0 <= int(k) < size for k in rows):
            rest = {k: v for k, v in nested.items() if not _is_index(k)}
            return {int(k): v for k, v in rows.items() if v}, rest or None
    return {}, nested


def classify(status: int, body: Any, wrapper: str, payloads: Sequence[Any]) -> BatchAnswer:
    """The meaning of a 4xx answer to a bulk POST of ``payloads`` under key ``wrapper`` (pure)."""
    size = len(payloads)
    if not isinstance(body, Mapping):
        # A 413 from a proxy (HTML or empty), or a body that is just a list of messages.
        too_large, cap = size_cap(_messages(body), size)
        if status == 413 or too_large:
            return BatchAnswer(Verdict.TOO_LARGE, cap=cap, raw=body)
        text = body if isinstance(body, str) and body.strip() else "(empty body)"
        errors = {"non_field_errors": _messages(body) or [text]}
        return BatchAnswer(Verdict.REFUSED, errors=errors, raw=body)
    rows, batch_level = _split_items(body.get(wrapper), size)
    top_level = {k: v for k, v in body.items() if k != wrapper}
    too_large, cap = size_cap(_messages(batch_level) + _messages(top_level), size)
    if cap is None and batch_level is not None:
        cap = size_cap(_messages(batch_level), size, any_number=True)[1]
    if status == 413 or too_large or (batch_level is not None and not rows):
        # Under the list's key, a well-formed list can only be refused for its length.
        return BatchAnswer(Verdict.TOO_LARGE, cap=cap, raw=body)
    if rows:
        items = {
            position: ItemErrors(normalise_errors(errors, payloads[position]), errors)
            for position, errors in rows.items()
        }
        return BatchAnswer(Verdict.ITEM_ERRORS, items=items, raw=body)
    return BatchAnswer(Verdict.REFUSED, errors=normalise_errors(body, None), raw=body)


def normalise_errors(errors: Any, data: Any) -> Any:
    """One form for every error tree: a per-index dict (DRF 3.18's ``{"0": {...}}``) becomes a
    list aligned with the input ``data`` (``{}`` where an item is fine, ``[]`` for a list of
    scalars), a bare message becomes a list of one message.

    >>> normalise_errors({"ports": {"1": {"current": ["Required."]}}}, {"ports": [{}, {}]})
    {'ports': [{}, {'current': ['Required.']}]}
    """
    if isinstance(errors, Mapping):
        if errors and all(_is_index(k) for k in errors):
            return _aligned({int(k): v for k, v in errors.items()}, data)
        return {
            key: normalise_errors(value, data.get(key) if isinstance(data, Mapping) else None)
            for key, value in errors.items()
        }
    if isinstance(errors, list | tuple):
        if errors and all(isinstance(e, Mapping) for e in errors):
            return _aligned(dict(enumerate(errors)), data)
        return [m if isinstance(m, str) else normalise_errors(m, None) for m in errors]
    if isinstance(errors, str):
        return [errors]
    return errors if errors is None else [str(errors)]


def _aligned(by_index: dict[int, Any], data: Any) -> list[Any]:
    items = data if isinstance(data, list | tuple) else []
    length = max(len(items), max(by_index, default=-1) + 1)
    nested = any(isinstance(v, Mapping) for v in by_index.values())
    aligned: list[Any] = [{} if nested else [] for _ in range(length)]
    for index, value in by_index.items():
        item = items[index] if index < len(items) else None
        aligned[index] = normalise_errors(value, item) if value else aligned[index]
    return aligned
