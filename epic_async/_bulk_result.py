"""What a bulk create returns, and the pure decisions about a batch's answer.

Every input row ends in exactly one bucket of :class:`BulkResult`: ``created`` (the server's
object), ``failed`` (never created: the validator's or the server's per-field errors) or
``unknown`` (sent, but the answer was lost: it may or may not exist now).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

import attrs

from ._errors import EpicError

__all__ = [
    "BatchVerdict",
    "BulkCreateError",
    "BulkFailure",
    "BulkResult",
    "BulkUnknown",
    "Verdict",
    "error_lines",
    "judge_batch_error",
]

T = TypeVar("T")


@attrs.frozen
class BulkFailure:
    """A row that was not created: its input ``index``, the ``item`` as given, and ``errors`` in
    DRF shape (``{"ports": [{}, {"connector_type": ["..."]}]}``)."""

    index: int
    item: Any
    errors: Mapping[str, Any]


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
    >>> result
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
            f"bulk create: {len(self.created)} of {len(self)} created; " + ", ".join(parts),
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


class Verdict(enum.Enum):
    ITEM_ERRORS = "item_errors"  # some items rejected: those fail, the rest is resent
    TOO_LARGE = "too_large"  # the batch exceeds the server's maximum: split and resend
    REJECT_ALL = "reject_all"  # the whole batch is refused with one error


@attrs.frozen
class BatchVerdict:
    verdict: Verdict
    item_errors: Mapping[int, Mapping[str, Any]] = attrs.field(factory=dict)
    errors: Mapping[str, Any] = attrs.field(factory=dict)


_TOO_LARGE_HINTS = ("no more than", "too many", "too large", "maximum")


def judge_batch_error(status: int, body: Any, wrapper: str, batch_size: int) -> BatchVerdict:
    """Decide what a 400/413 answer to a bulk POST means (pure).

    DRF answers per-item errors as a list aligned with the input (``{"chargers": [{}, {...}]}``);
    a list-level message like "Ensure this field has no more than 100 elements." or a 413 means the
    batch is too big; anything else rejects the whole batch with that error.
    """
    if status == 413:
        return BatchVerdict(Verdict.TOO_LARGE)
    errors = body if isinstance(body, Mapping) else {"non_field_errors": [str(body)]}
    nested = errors.get(wrapper)
    if isinstance(nested, Sequence) and not isinstance(nested, str):
        if len(nested) == batch_size and all(isinstance(e, Mapping) for e in nested):
            per_item = {i: e for i, e in enumerate(nested) if e}
            if per_item:
                return BatchVerdict(Verdict.ITEM_ERRORS, item_errors=per_item)
        messages = " ".join(m for m in nested if isinstance(m, str)).lower()
        if any(hint in messages for hint in _TOO_LARGE_HINTS) and batch_size > 1:
            return BatchVerdict(Verdict.TOO_LARGE)
    return BatchVerdict(Verdict.REJECT_ALL, errors=errors)
