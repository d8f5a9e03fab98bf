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

    >>> failure.errors  # doctest: +SKIP
    {'ports': [{}, {'current': ['This field is required for an AC connector.']}]}
    >>> failure.raw_errors  # DRF 3.18's dict form  # doctest: +SKIP
    {'ports': {'1': {'current': ['This field is required for an AC connector.']}}}
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

    >>> result = await client.chargers.create_many(rows)  # doctest: +SKIP
    >>> result  # doctest: +SKIP
    BulkResult(total=10000, created=9900, failed=100, unknown=0)
    >>> result.raise_for_failures()  # doctest: +SKIP
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
