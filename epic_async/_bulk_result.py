"""What a bulk create returns.

Every input row ends in exactly one bucket of :class:`BulkResult`: ``created`` (the server's
object), ``failed`` (never created: the SDK's checks' or the server's per-field errors) or
``unknown`` (sent, but the answer was lost: it may or may not exist now).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._errors import EpicError

__all__ = ["BulkCreateError", "BulkFailure", "BulkResult", "BulkUnknown", "error_lines"]

T = TypeVar("T")


@attrs.frozen
class BulkFailure:
    """A row that was not created: its input ``index``, the ``item`` as given, and ``errors``.

    ``errors`` has one form whatever said it (the SDK's own checks, a server answering in either
    of DRF's per-item forms, a batch refused whole): ``{field: [messages]}``, nested objects as
    dicts and nested lists aligned with the row's input, ``{}`` where an item is fine, so
    ``errors["ports"][1]["current"]`` always works. ``raw_errors`` is the server's own answer
    about this row, as it sent it (its entry of the per-item errors, or the whole body of a batch
    refused whole); None when the SDK's checks failed the row before any request.

    >>> row = {"charger_point_id": "CP-1", "manufacturer": "generic_ocpp", "model": "epic_pro",
    ...        "rfid_required": False, "ports": [
    ...            {"connector_id": 1, "connector_type": "TYPE_2", "max_current": 32, "current": 32},
    ...            {"connector_id": 2, "connector_type": "TYPE_2", "max_current": 32}]}
    >>> [failure] = (await client.chargers.create_many([row])).failed
    >>> failure.errors
    {'ports': [{}, {'current': ['Required for an AC port.']}]}
    >>> failure.raw_errors is None  # the SDK's checks failed it: nothing was sent
    True
    >>> taken = (await client.chargers.list(max_items=1).collect())[0].charger_point_id
    >>> row = {**row, "charger_point_id": taken, "ports": row["ports"][:1]}
    >>> [failure] = (await client.chargers.create_many([row])).failed
    >>> failure.errors
    {'charger_point_id': ['charger with this charger point id already exists.']}
    >>> failure.raw_errors  # the server's own entry for this row, as it sent it
    {'charger_point_id': ['charger with this charger point id already exists.']}
    """

    index: int
    item: Any
    errors: Mapping[str, Any]
    raw_errors: Any = None


@attrs.frozen
class BulkUnknown:
    """A row whose batch was sent but whose answer was lost (``reason``): it may exist now.
    ``create_many(..., reconcile=True)`` resolves these by looking the unique key up."""

    index: int
    item: Any
    reason: str


class BulkCreateError(EpicError):
    """Raised by :meth:`BulkResult.raise_for_failures`; ``result`` holds every bucket."""

    def __init__(self, message: str, *, result: BulkResult[Any]) -> None:
        super().__init__(message)
        self.result = result


@attrs.define(repr=False)
class BulkResult(Generic[T]):
    """The outcome of ``create_many``: every input index in exactly one bucket.

    ``created`` holds the server's objects in input order and ``created_indexes`` their input
    indexes (same order); ``failed`` and ``unknown`` are sorted by index. When ``create_many`` was
    given ``on_created``, the objects went to that callback and ``created`` is empty, while
    ``created_indexes`` still accounts for every created row.

    >>> from epic_async.testing.rows import charger_rows
    >>> rows = charger_rows(100, invalid_every=20)  # dicts, as read from a spreadsheet
    >>> result = await client.chargers.create_many(rows)
    >>> result
    BulkResult(total=100, created=95, failed=5, unknown=0)
    >>> result.raise_for_failures()
    Traceback (most recent call last):
      ...
    epic_async._bulk_result.BulkCreateError: bulk create: 95 of 100 created; 5 failed (first: index 19: manufacturer: This field is required.)
    """

    created: list[T] = attrs.field(factory=list)
    created_indexes: list[int] = attrs.field(factory=list)
    failed: list[BulkFailure] = attrs.field(factory=list)
    unknown: list[BulkUnknown] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was created."""
        return not self.failed and not self.unknown

    def __len__(self) -> int:
        return len(self.created_indexes) + len(self.failed) + len(self.unknown)

    def __repr__(self) -> str:
        return (
            f"BulkResult(total={len(self)}, created={len(self.created_indexes)}, "
            f"failed={len(self.failed)}, unknown={len(self.unknown)})"
        )

    def raise_for_failures(self) -> None:
        """Raise one :class:`BulkCreateError` summarising failed and unknown rows, if any."""
        if self.ok:
            return
        parts = []
        if self.failed:
            first = self.failed[0]
            parts.append(
                f"{len(self.failed)} failed (first: index {first.index}: {_first_message(first.errors)})"
            )
        if self.unknown:
            parts.append(
                f"{len(self.unknown)} unknown (sent, answer lost; reconcile=True resolves them)"
            )
        raise BulkCreateError(
            f"bulk create: {len(self.created_indexes)} of {len(self)} created; " + ", ".join(parts),
            result=self,
        )


def error_lines(errors: Any, path: str = "") -> list[str]:
    """DRF-shaped errors as ``field.path: message`` lines (``ports[0].connector_type: ...``)."""
    if isinstance(errors, Mapping):
        lines = []
        for name, value in errors.items():
            lines += error_lines(value, f"{path}.{name}" if path else str(name))
        return lines
    if isinstance(errors, list | tuple):
        lines = []
        for position, value in enumerate(errors):
            if isinstance(value, str):
                lines.append(f"{path}: {value}" if path else value)
            else:
                lines += error_lines(value, f"{path}[{position}]")
        return lines
    return [f"{path}: {errors}"] if errors not in (None, "") else []


def _first_message(errors: Any) -> str:
    """The first leaf message of a nested DRF error, with its field path (``ports[1].current``)."""
    return next(iter(error_lines(errors)), "")
