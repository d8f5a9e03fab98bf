"""Bulk creation, the I/O side: check rows, POST the planner's batches concurrently, file answers.

The decisions live elsewhere, as pure code: :mod:`epic_async._rowcheck` and
:mod:`epic_async._validation` read and check each row, :mod:`epic_async._bulk_answers` reads a
refused batch's answer, :mod:`epic_async._bulk_plan` decides what to send next and which bucket
each row ends in. This module only moves rows and bytes between them and the transport:

- a producer reads the input lazily (sync or async iterables), checks each row and hands it to
  the planner, staying a few batches ahead of the senders, so a million-row generator streams
  through bounded memory;
- ``concurrency`` senders take the planner's next batch, POST it, and tell the planner what the
  answer was (transport exceptions translated into planner answers in one place);
- with ``reconcile=True``, rows whose answer was lost are looked up by their unique key once
  everything was sent, and only the missing ones are sent again.

A server's batch cap, once learned (from "Ensure this field has no more than 50 elements." or by
halving after a 413), is kept for the client (and its ``with_options`` copies) and collection
path, so later calls start at the right size.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable, Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import attrs

from ._bulk_plan import Answer, Batch, Created, Lost, NotCreated, Planner, Refused, Row, Stop
from ._bulk_result import BulkResult
from ._codec import dumps, loads
from ._config import require_positive_ints
from ._errors import (
    APIStatusError,
    AuthenticationError,
    EpicConnectionError,
    EpicError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseValidationError,
)
from ._rowcheck import RowChecker, Rules, UnknownFields, check_unknown_fields
from ._tracing import BATCHES, current_call
from ._transport import Transport
from ._validation import DuplicateTracker

if TYPE_CHECKING:
    from ._otel import CallSpan

__all__ = ["BulkSpec", "CreatedCallback", "ProgressCallback", "remembered_cap", "run_bulk_create"]

C = TypeVar("C")
T = TypeVar("T")

ProgressCallback = Callable[[int, int | None], object]
CreatedCallback = Callable[[int, Any], object]
Lookup = Callable[[set[str]], Awaitable[Mapping[str, Any]]]

_RECONCILE_ROUNDS = 3

# Batch caps learned from servers: per client (the state it shares with its with_options()
# copies, weakly: a closed client's entry goes with it), then per collection URL.
_CAPS: weakref.WeakKeyDictionary[Any, dict[str, int]] = weakref.WeakKeyDictionary()


def remembered_cap(transport: Transport, url: str) -> int | None:
    """The batch cap this client learned for ``url``, if it learned one."""
    return _CAPS.get(transport.shared, {}).get(url)


def _remember_cap(transport: Transport, url: str, cap: int) -> None:
    caps = _CAPS.setdefault(transport.shared, {})
    caps[url] = min(cap, caps.get(url, cap))


@attrs.frozen
class BulkSpec(Generic[C, T]):
    """How one resource's bulk create works."""

    url: str
    wrapper: str  # the body's list key: "chargers", "locations", "users"
    create_cls: type[C]
    result_cls: type[T]
    rules: Rules  # cross-field rules (``_validation``)
    key: Callable[[Mapping[str, Any]], str | None]  # the unique key of a body entry
    key_name: str  # for messages: "charger_point_id", "custom_id", "email"


class _Run(Generic[C, T]):
    """One ``create_many`` call: the planner, its senders, and what they created."""

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
        reconcile: bool,
        unknown_fields: UnknownFields,
    ) -> None:
        self.transport = transport
        self.spec = spec
        self.concurrency = concurrency
        self.on_progress = on_progress
        self.on_created = on_created
        self.total = total
        self.checker = RowChecker(spec.create_cls, spec.rules, unknown_fields)
        cap = min(batch_size, remembered_cap(transport, spec.url) or batch_size)
        self.planner = Planner(cap, spec.wrapper, park_unknown=reconcile)
        # Input index → created object (one dict, not a tuple per row: less for the collector).
        self.created: dict[int, T] = {}
        self.streamed_indexes: list[int] = []  # with on_created: the objects are the caller's
        self.reported = 0
        self.changed = asyncio.Event()  # the planner has news: senders look again
        self.room = asyncio.Event()  # a batch was taken or rows settled: the producer reads on

    # --- bookkeeping ----------------------------------------------------------------------------

    def _news(self) -> None:
        """Wake the senders and the producer; report progress when rows were settled (it only
        moves forward)."""
        self.changed.set()
        self.room.set()
        settled = self.planner.settled
        if settled != self.reported:
            self.reported = settled
            if self.on_progress is not None:
                self.on_progress(settled, self.total)

    def _file(self, index: int, obj: T) -> None:
        if self.on_created is None:
            self.created[index] = obj
        else:
            self.streamed_indexes.append(index)
            self.on_created(index, obj)

    # --- producing --------------------------------------------------------------------------------

    async def produce(self, items: Iterable[Any] | AsyncIterable[Any]) -> None:
        """Check every input row and hand it to the planner, a few batches ahead of the senders."""
        duplicates = DuplicateTracker(self.spec.key_name)
        prepare, planner = self._prepare, self.planner
        since = 0  # rows read since the last hand-over: one hand-over per batch's worth
        if isinstance(items, AsyncIterable):
            index = 0
            async for item in items:
                prepare(index, item, duplicates)
                index += 1
                since += 1
                if since >= planner.cap:
                    since = 0
                    await self._hand_over()
        else:
            for index, item in enumerate(items):
                prepare(index, item, duplicates)
                since += 1
                if since >= planner.cap:
                    since = 0
                    await self._hand_over()
        planner.close_input()
        self._news()

    def _prepare(self, index: int, item: Any, duplicates: DuplicateTracker) -> None:
        payload, errors = self.checker(item)
        key = self.spec.key(payload)
        if key is not None:
            duplicate = duplicates.check(key, index)
            if duplicate:
                errors.setdefault(self.spec.key_name, []).append(duplicate)
        row = Row(index, item, payload, key)
        if errors:
            self.planner.fail(row, errors)  # never costs a request
        else:
            self.planner.add(row)

    async def _hand_over(self) -> None:
        """A batch's worth was read: let the senders run, and wait while enough is queued."""
        planner = self.planner
        self._news()
        await asyncio.sleep(0)
        while len(planner.fresh) >= (self.concurrency + 1) * planner.cap:
            self.room.clear()
            await self.room.wait()

    # --- sending ----------------------------------------------------------------------------------

    async def send_all(self) -> None:
        """Run ``concurrency`` senders until the planner has nothing left."""
        async with asyncio.TaskGroup() as group:
            for _ in range(self.concurrency):
                group.create_task(self._sender())

    async def _sender(self) -> None:
        planner = self.planner
        while True:
            batch = planner.next_batch()
            if batch is None:
                if planner.finished:
                    self.changed.set()  # the others see it too, and stop
                    return
                self.changed.clear()
                await self.changed.wait()
                continue
            self.room.set()
            answer = await self._post(batch)
            planner.answer(batch, answer)
            self._news()

    async def _post(self, batch: Batch) -> Answer:
        """POST one batch; the transport's outcome as a planner answer."""
        rows = batch.rows
        wrapper = self.spec.wrapper
        body = dumps({wrapper: [row.payload for row in rows]})
        # While in flight the body holds the rows' entries: let the dicts go (a created batch
        # never needs them again), so the collector does not carry them through its generations.
        for row in rows:
            row.payload = None
        call = current_call()  # the create_many span, if traced: one batch more to its count
        if call is not None:
            call.add(BATCHES)
        answer = await self._send(rows, body, call)
        if not isinstance(answer, Created):  # to be judged, resent or reconciled: restore
            for row, payload in zip(rows, loads(body)[wrapper], strict=True):
                row.payload = payload
        return answer

    async def _send(self, rows: list[Row], body: bytes, call: CallSpan | None) -> Answer:
        try:
            response = await self.transport.request("POST", self.spec.url, body=body, call=call)
        except EpicConnectionError as exc:
            return Lost(str(exc)) if exc.request_sent else NotCreated(f"not sent: {exc}")
        except RateLimitError as exc:  # still throttled after every retry: nothing was created
            return NotCreated(str(exc), exc.body)
        except (AuthenticationError, PermissionDeniedError, NotFoundError) as exc:
            return Stop(str(exc), exc.body)  # every later batch would be refused alike
        except APIStatusError as exc:
            if exc.status < 400:  # a redirect, refused: the path is wrong for every batch
                return Stop(str(exc), exc.body)
            if exc.status < 500:
                return Refused(exc.status, exc.body, str(exc))
            # A 5xx answer to a POST may come after the commit (a proxy timing out, say).
            return Lost(str(exc))
        return self._accepted(rows, response.content)

    def _accepted(self, rows: list[Row], content: bytes) -> Answer:
        try:
            objects = loads(content)[self.spec.wrapper]
            if not isinstance(objects, list) or len(objects) != len(rows):
                raise ValueError(f"expected a list of {len(rows)}")
            structure = self.transport.shared.reader.structure
            result_cls = self.spec.result_cls
            structured = [structure(obj, result_cls) for obj in objects]
        except (ValueError, TypeError, KeyError, ResponseValidationError) as exc:
            # The server committed, but its answer cannot be matched to the rows: reconcile can.
            return Lost(f"created, but the answer could not be read ({exc})")
        for row, obj in zip(rows, structured, strict=True):
            self._file(row.index, obj)
        return Created()

    # --- reconcile --------------------------------------------------------------------------------

    async def reconcile(self, lookup: Lookup) -> None:
        """Resolve unknown rows: adopt what the server holds, resend only what it does not."""
        planner = self.planner
        for _round in range(_RECONCILE_ROUNDS):
            parked = planner.take_parked()
            if not parked:
                return
            try:
                found = await lookup({row.key for row, _ in parked if row.key is not None})
            except EpicError as exc:
                planner.give_up(
                    [(row, f"{reason}; reconcile failed: {exc}") for row, reason in parked]
                )
                self._news()
                return
            missing = []
            for row, _reason in parked:
                obj = found.get(row.key) if row.key is not None else None
                if obj is None:
                    missing.append(row)
                else:
                    planner.adopt(row)
                    self._file(row.index, obj)
            self._news()
            if not missing:
                return
            planner.resend(missing)
            await self.send_all()
        planner.give_up(planner.take_parked())
        self._news()

    def result(self) -> BulkResult[T]:
        created = self.created
        indexes = sorted(created) or sorted(self.streamed_indexes)
        planner = self.planner
        if planner.learned_cap is not None:
            _remember_cap(self.transport, self.spec.url, planner.learned_cap)
        return BulkResult(
            created=[created[index] for index in indexes] if created else [],
            created_indexes=indexes,
            failed=sorted(planner.failed, key=attrgetter("index")),
            unknown=sorted(planner.unknown, key=attrgetter("index")),
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
    unknown_fields: UnknownFields = "error",
) -> BulkResult[T]:
    """Drive one bulk create: a producer checks rows, ``concurrency`` senders post batches."""
    require_positive_ints(("batch_size", batch_size), ("concurrency", concurrency))
    check_unknown_fields(unknown_fields)
    if isinstance(items, str | bytes | Mapping) or not isinstance(items, Iterable | AsyncIterable):
        raise TypeError(
            f"items must be an iterable or async iterable of rows, got {type(items).__name__}"
        )
    total = len(items) if hasattr(items, "__len__") else None  # type: ignore[arg-type]
    call = current_call()
    if call is not None:
        call.declare(BATCHES)
    run = _Run(
        transport,
        spec,
        batch_size=batch_size,
        concurrency=concurrency,
        on_progress=on_progress,
        on_created=on_created,
        total=total,
        reconcile=reconcile,
        unknown_fields=unknown_fields,
    )
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(run.send_all())
            group.create_task(run.produce(items))
        if reconcile:
            await run.reconcile(lookup)
    except BaseExceptionGroup as errors:
        # An input iterator or a callback that raised, say: surface that error itself.
        first = errors.exceptions[0]
        while isinstance(first, BaseExceptionGroup):
            first = first.exceptions[0]
        raise first from None
    return run.result()
