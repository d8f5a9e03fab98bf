"""Bulk creation: validate, batch, send concurrently, and account for every row.

The API's bulk POSTs are all-or-nothing transactions. So:

- rows are validated client-side first; an invalid row fails with its index and never costs a
  request;
- a 400 with per-item errors fails exactly those items and resends the rest of the batch (nothing
  of it was created); a "too many items" answer splits the batch and lowers the batch size;
- 429 and connect failures are retried by the transport; a batch whose answer was lost after it
  was sent is **never** resent blindly: its rows are ``unknown``, and ``reconcile=True`` looks
  their unique keys up and resends only the rows the server does not hold.

Input is consumed lazily (sync or async iterables), at most ``concurrency`` batches ahead of the
senders, so a million-row generator streams through bounded memory.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from typing import Any, Generic, TypeVar

import attrs

from ._bulk_result import BulkFailure, BulkResult, BulkUnknown, Verdict, judge_batch_error
from ._codec import dumps, loads
from ._errors import (
    APIStatusError,
    AuthenticationError,
    EpicConnectionError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
)
from ._transport import Transport
from ._validation import DuplicateTracker
from ._writes import structure_create, unstructure_create

__all__ = ["BulkSpec", "CreatedCallback", "ProgressCallback", "run_bulk_create"]

C = TypeVar("C")
T = TypeVar("T")

ProgressCallback = Callable[[int, int | None], object]
CreatedCallback = Callable[[int, Any], object]
Lookup = Callable[[set[str]], Awaitable[Mapping[str, Any]]]


@attrs.frozen
class BulkSpec(Generic[C, T]):
    """How one resource's bulk create works."""

    url: str
    wrapper: str  # the body's list key: "chargers", "locations", "users"
    create_cls: type[C]
    result_cls: type[T]
    validate: Callable[[C], Mapping[str, Any]]
    unique_key: Callable[[C], str]
    key_name: str  # for messages: "charger_point_id", "custom_id", "email"


@attrs.define
class _Row(Generic[C]):
    index: int
    item: Any  # as given by the caller (model or dict), reported back in failures
    model: C
    payload: dict[str, Any]
    key: str


def _check_args(batch_size: int, concurrency: int) -> None:
    for name, value in (("batch_size", batch_size), ("concurrency", concurrency)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


async def _aiter_rows(items: Iterable[Any] | AsyncIterable[Any]) -> Any:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item


class _BulkRun(Generic[C, T]):
    def __init__(
        self,
        transport: Transport,
        spec: BulkSpec[C, T],
        *,
        batch_size: int,
        concurrency: int,
        on_progress: ProgressCallback | None,
        on_created: CreatedCallback | None,
        total: int | None,
    ) -> None:
        self.transport = transport
        self.spec = spec
        self.batch_limit = batch_size
        self.concurrency = concurrency
        self.on_progress = on_progress
        self.total = total
        self.on_created = on_created
        self.created: list[tuple[int, T]] = []
        self.streamed_indexes: list[int] = []  # with on_created: the objects are the caller's
        self.failed: list[BulkFailure] = []
        self.unknown: list[tuple[_Row[C], str]] = []
        self.done = 0
        self.abort: APIStatusError | None = None  # auth/path errors: every later row fails alike

    def _progress(self, rows: int) -> None:
        self.done += rows
        if self.on_progress is not None:
            self.on_progress(self.done, self.total)

    def _created(self, index: int, obj: T) -> None:
        if self.on_created is None:
            self.created.append((index, obj))
        else:
            self.streamed_indexes.append(index)
            self.on_created(index, obj)

    def _fail(self, index: int, item: Any, errors: Mapping[str, Any]) -> None:
        self.failed.append(BulkFailure(index=index, item=item, errors=errors))

    def prepare(self, index: int, item: Any, duplicates: DuplicateTracker) -> _Row[C] | None:
        """Structure and validate one input row; a bad row fails here, without a request."""
        try:
            model = structure_create(item, self.spec.create_cls)
        except ValueError as exc:
            self._fail(index, item, getattr(exc, "field_errors", {"non_field_errors": [str(exc)]}))
            return None
        errors = dict(self.spec.validate(model))
        key = self.spec.unique_key(model)
        duplicate = duplicates.check(key, index)
        if duplicate:
            errors.setdefault(self.spec.key_name, []).append(duplicate)
        if errors:
            self._fail(index, item, errors)
            return None
        return _Row(index, item, model, unstructure_create(model), key)

    async def send(self, batch: list[_Row[C]]) -> None:
        """POST one batch and file each row; resend what a per-item rejection left valid."""
        while batch:
            if self.abort is not None:
                self._fail_all(batch, str(self.abort))
                self._progress(len(batch))
                return
            batch = await self._attempt(batch)

    async def _attempt(self, batch: list[_Row[C]]) -> list[_Row[C]]:
        """One POST; returns the rows still to send (empty when all are filed)."""
        body = dumps({self.spec.wrapper: [row.payload for row in batch]})
        try:
            response = await self.transport.request("POST", self.spec.url, body=body)
        except EpicConnectionError as exc:
            if exc.request_sent:
                self.unknown.extend((row, str(exc)) for row in batch)
            else:
                self._fail_all(batch, f"not sent: {exc}")
            self._progress(len(batch))
            return []
        except RateLimitError as exc:  # still throttled after every retry: nothing was created
            self._fail_all(batch, str(exc))
            self._progress(len(batch))
            return []
        except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
            self.abort = exc
            self._fail_all(batch, str(exc))
            self._progress(len(batch))
            return []
        except APIStatusError as exc:
            if exc.status not in (400, 413):
                # A 5xx answer to a POST may come after the commit (a proxy timing out, say).
                self.unknown.extend((row, str(exc)) for row in batch)
                self._progress(len(batch))
                return []
            return await self._rejected(batch, exc)
        return self._accepted(batch, response.content)

    def _fail_all(self, batch: list[_Row[C]], message: str) -> None:
        for row in batch:
            self._fail(row.index, row.item, {"non_field_errors": [message]})

    def _accepted(self, batch: list[_Row[C]], content: bytes) -> list[_Row[C]]:
        try:
            data = loads(content)
            objects = data[self.spec.wrapper]
            if not isinstance(objects, list) or len(objects) != len(batch):
                raise ValueError(f"expected a list of {len(batch)}")
            reader = self.transport.shared.reader
            structured = [reader.structure(obj, self.spec.result_cls) for obj in objects]
        except (ValueError, TypeError, KeyError, ResponseValidationError) as exc:
            # The server committed, but its answer cannot be matched to the rows: reconcile can.
            reason = f"created, but the answer could not be read ({exc})"
            self.unknown.extend((row, reason) for row in batch)
        else:
            for row, obj in zip(batch, structured, strict=True):
                self._created(row.index, obj)
        self._progress(len(batch))
        return []

    async def _rejected(self, batch: list[_Row[C]], exc: APIStatusError) -> list[_Row[C]]:
        verdict = judge_batch_error(exc.status, exc.body, self.spec.wrapper, len(batch))
        if verdict.verdict is Verdict.TOO_LARGE:
            half = max(1, len(batch) // 2)
            self.batch_limit = min(self.batch_limit, half)  # later batches start smaller
            await self.send(batch[:half])
            return batch[half:]
        if verdict.verdict is Verdict.ITEM_ERRORS:
            for position, errors in verdict.item_errors.items():
                row = batch[position]
                self._fail(row.index, row.item, errors)
            self._progress(len(verdict.item_errors))
            return [row for i, row in enumerate(batch) if i not in verdict.item_errors]
        for row in batch:
            self._fail(row.index, row.item, verdict.errors)
        self._progress(len(batch))
        return []

    async def reconcile(self, lookup: Lookup) -> None:
        """Resolve unknown rows: adopt what the server holds, resend only what it does not."""
        for _round in range(3):
            if not self.unknown:
                return
            rows = [row for row, _ in self.unknown]
            self.unknown = []
            self.done -= len(rows)  # they will be counted again as they are filed
            found = await lookup({row.key for row in rows})
            missing = []
            for row in rows:
                obj = found.get(row.key)
                if obj is not None:
                    self._created(row.index, obj)
                    self._progress(1)
                else:
                    missing.append(row)
            for start in range(0, len(missing), self.batch_limit):
                await self.send(missing[start : start + self.batch_limit])
            if not missing:
                return

    def result(self) -> BulkResult[T]:
        self.created.sort(key=lambda pair: pair[0])
        self.failed.sort(key=lambda failure: failure.index)
        unknown = sorted(
            (
                BulkUnknown(index=row.index, item=row.item, reason=reason)
                for row, reason in self.unknown
            ),
            key=lambda u: u.index,
        )
        self.streamed_indexes.sort()
        return BulkResult(
            created=[obj for _, obj in self.created],
            created_indexes=[index for index, _ in self.created] or self.streamed_indexes,
            failed=self.failed,
            unknown=unknown,
        )


async def run_bulk_create(
    transport: Transport,
    spec: BulkSpec[C, T],
    items: Iterable[Any] | AsyncIterable[Any],
    *,
    batch_size: int,
    concurrency: int,
    on_progress: ProgressCallback | None,
    reconcile: bool,
    lookup: Lookup,
    on_created: CreatedCallback | None = None,
) -> BulkResult[T]:
    """Drive one bulk create: a producer cuts batches, ``concurrency`` senders post them."""
    _check_args(batch_size, concurrency)
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable | AsyncIterable):
        raise TypeError(
            f"items must be an iterable or async iterable of rows, got {type(items).__name__}"
        )
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    run = _BulkRun(
        transport,
        spec,
        batch_size=batch_size,
        concurrency=concurrency,
        on_progress=on_progress,
        on_created=on_created,
        total=total,
    )
    queue: asyncio.Queue[list[_Row[C]] | None] = asyncio.Queue(maxsize=concurrency)

    async def sender() -> None:
        while (batch := await queue.get()) is not None:
            await run.send(batch)

    async def produce() -> None:
        duplicates = DuplicateTracker(spec.key_name)
        batch: list[_Row[C]] = []
        index = -1
        async for item in _aiter_rows(items):
            index += 1
            row = run.prepare(index, item, duplicates)
            if row is None:
                run._progress(1)
                continue
            batch.append(row)
            if len(batch) >= run.batch_limit:
                await queue.put(batch)
                batch = []
        if batch:
            await queue.put(batch)
        for _ in range(concurrency):
            await queue.put(None)

    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(concurrency):
                group.create_task(sender())
            group.create_task(produce())
    except BaseExceptionGroup as errors:
        # An input iterator that raised, say: surface that error itself, not a group.
        raise errors.exceptions[0] from None
    if reconcile:
        await run.reconcile(lookup)
    return run.result()
