"""``Pager[T]``: list a whole collection as fast as the API allows, streamed, memory-bounded.

Strategy: the first page tells ``count`` and the page size the server really serves (it may cap
``limit``). The remaining offsets are fetched by at most ``concurrency`` requests in flight, all
under the client's rate limit; each page is structured into models as soon as it lands, so parsing
overlaps the waiting for the others. Items are yielded in offset order (a small reorder window of
``2 × concurrency`` pages bounds memory) or, with ``ordered=False``, as pages land.

Guards against a collection that changes while it is listed (offset pagination can then skip or
repeat rows): items are de-duplicated by id; a short page, a changed ``count`` or fewer unique items
than ``count`` trigger a repair pass that follows ``next`` from the start and yields only what was
not seen. A page that cannot be fetched after retries raises :class:`PaginationError` naming the
offsets that were not fetched: never a silent gap.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncGenerator, Callable, Generator, Hashable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar
from urllib.parse import parse_qs, urlsplit

import attrs

from ._config import require_positive_ints
from ._errors import EpicError, ResponseValidationError
from ._tracing import PAGES, RECORDS
from ._transport import Transport

if TYPE_CHECKING:
    from ._otel import CallSpan

__all__ = ["PageData", "Pager", "PaginationError", "check_pager_args"]

T = TypeVar("T")


class PaginationError(EpicError):
    """Some pages could not be fetched; ``missing_offsets`` says which, ``__cause__`` why."""

    def __init__(self, message: str, *, missing_offsets: list[int]) -> None:
        super().__init__(message)
        self.missing_offsets = missing_offsets


@attrs.frozen
class PageData(Generic[T]):
    """One structured page: what the pager needs from the envelope."""

    count: int
    next: str | None
    items: list[T]


def check_pager_args(page_size: int, concurrency: int, max_items: int | None) -> None:
    """Reject bad paging arguments before any request (pure)."""
    require_positive_ints(("page_size", page_size), ("concurrency", concurrency))
    if max_items is not None and (
        isinstance(max_items, bool) or not isinstance(max_items, int) or max_items < 0
    ):
        raise ValueError(f"max_items must be None or an int >= 0, got {max_items!r}")


def _offset_of(url: str) -> int | None:
    """The ``offset`` query parameter of a ``next`` URL, if it has a usable one (pure)."""
    values = parse_qs(urlsplit(url).query).get("offset")
    return int(values[0]) if values and values[0].isdigit() else None


def plan_offsets(count: int, stride: int, max_items: int | None) -> range:
    """Offsets still to fetch after the first page (pure): stride-spaced, capped by max_items."""
    end = count if max_items is None else min(count, max_items)
    return range(stride, end, stride)


class Pager(Generic[T]):
    """A lazy listing: ``async for item in pager``, ``await pager.collect()``, ``pager.pages()``.

    Nothing is requested until iteration starts; each iteration starts a fresh listing.

    >>> async for charger in client.chargers.list(status="AVAILABLE"):
    ...     print(charger.charger_point_id)
    EPC-...
    ...
    """

    def __init__(
        self,
        *,
        transport: Transport,
        url: str,
        params: Mapping[str, str],
        parse: Callable[[bytes, int | None], PageData[T]],
        key: Callable[[T], Hashable],
        page_size: int = 100,
        concurrency: int = 8,
        max_items: int | None = None,
        ordered: bool = True,
    ) -> None:
        check_pager_args(page_size, concurrency, max_items)
        self._transport = transport
        self._url = url
        self._params = dict(params)
        self._parse = parse
        self._key = key
        self._page_size = page_size
        self._concurrency = concurrency
        self._max_items = max_items
        self._ordered = ordered
        #: The server's ``count`` as of the first page of the latest iteration (None before it):
        #: lets a progress bar know its total while items stream.
        self.count: int | None = None
        #: (resource, method) of the public call that made this pager, for its span; set by
        #: :func:`epic_async._tracing.traced_listing`. None: never traced.
        self._operation: tuple[str, str] | None = None

    def __repr__(self) -> str:
        return (
            f"Pager(url={self._url!r}, params={self._params!r}, page_size={self._page_size}, "
            f"concurrency={self._concurrency}, max_items={self._max_items}, ordered={self._ordered})"
        )

    def __aiter__(self) -> AsyncGenerator[T, None]:
        # A generator, so `contextlib.aclosing(aiter(pager))` can close a listing left early.
        return self._iterate_items()

    def __await__(self) -> Generator[Any, None, NoReturn]:
        raise TypeError(
            "a Pager is not awaitable: use `await pager.collect()` for a list, or "
            "`async for item in pager` to stream"
        )

    async def collect(self) -> list[T]:
        """Every item, in a list (use ``async for`` to stream instead)."""
        return [item async for item in self]

    def pages(self) -> AsyncGenerator[list[T], None]:
        """Pages as lists of items, after de-duplication (a page may come out shorter)."""
        return self._iterate_pages()

    async def _iterate_items(self) -> AsyncGenerator[T, None]:
        # aclosing: a loop left early closes the listing at once (its requests in flight are
        # cancelled, its span ends), not whenever the collector gets round to the generator.
        async with aclosing(self._iterate_pages()) as pages:
            async for page in pages:
                for item in page:
                    yield item

    def _iterate_pages(self) -> AsyncGenerator[list[T], None]:
        if self._operation is None or self._transport.shared.tracing is None:
            return self._walk(None)  # not traced: not one more generator between pages
        return self._traced_walk()

    async def _traced_walk(self) -> AsyncGenerator[list[T], None]:
        """The listing inside its span: from the first page to the end of the iteration
        (exhausted, failed, or closed after a ``break``). The span is never made current, so
        nothing the caller does between two pages nests under the listing."""
        call = self._start_call()
        error: BaseException | None = None
        try:
            async with aclosing(self._walk(call)) as pages:
                async for page in pages:
                    yield page
        except BaseException as exc:
            error = exc
            raise
        finally:
            if call is not None:
                call.finish(error)

    def _start_call(self) -> CallSpan | None:
        tracing = self._transport.shared.tracing
        if tracing is None or self._operation is None:
            return None
        call = tracing.start_call(*self._operation)
        if call is not None:
            call.declare(PAGES, RECORDS)
        return call

    async def _fetch(self, offset: int, limit: int, call: CallSpan | None) -> PageData[T]:
        return self._parse(await self._download(offset, limit, call), offset)

    async def _download(self, offset: int, limit: int, call: CallSpan | None) -> bytes:
        params = {**self._params, "limit": str(limit), "offset": str(offset)}
        response = await self._transport.request("GET", self._url, params=params, call=call)
        if call is not None:
            call.add(PAGES)
        return response.content

    async def _fetch_url(self, url: str, call: CallSpan | None) -> PageData[T]:
        self._transport.check_same_origin(url)
        response = await self._transport.request("GET", url, call=call)
        if call is not None:
            call.add(PAGES)
        return self._parse(response.content, _offset_of(url))

    async def _walk(self, call: CallSpan | None) -> AsyncGenerator[list[T], None]:
        """The listing: first page, fan-out, and a repair pass when the pages did not line up."""
        remaining = self._max_items
        seen: set[int] = set()  # hashes of yielded ids: ~60 bytes per item, never the items
        metrics = self._transport.metrics

        def fresh(items: list[T]) -> list[T]:
            nonlocal remaining
            out = []
            for item in items:
                marker = hash(self._key(item))
                if marker in seen:
                    continue
                seen.add(marker)
                out.append(item)
            if remaining is not None:
                out = out[:remaining]
                remaining -= len(out)
            metrics.records += len(out)
            if call is not None:
                call.add(RECORDS, len(out))
            return out

        # A page no larger than what was asked for: max_items=2 asks for 2 records, not 100.
        first_limit = (
            self._page_size if remaining is None else max(1, min(self._page_size, remaining))
        )
        first = await self._fetch(0, first_limit, call)
        self.count = first.count
        page = fresh(first.items)
        if page:
            yield page
        stride = len(first.items)
        if remaining == 0 or stride == 0 or first.next is None:
            return
        anomaly = False
        last_count = first.count
        offsets = plan_offsets(first.count, stride, self._max_items)
        # aclosing: leaving early cancels the pages in flight before the listing ends.
        async with aclosing(self._fan_out(offsets, stride, call)) as fanned:
            async for data in fanned:
                if data.count != first.count or (
                    len(data.items) < stride and data.next is not None
                ):
                    anomaly = True
                last_count = data.count
                page = fresh(data.items)
                if page:
                    yield page
                if remaining == 0:
                    return
        if anomaly or len(seen) < min(last_count, self._max_items or last_count):
            # The pages did not line up with `count`: walk `next` once, yielding only unseen items.
            data = first
            while True:
                page = fresh(data.items)
                if page:
                    yield page
                if remaining == 0 or data.next is None:
                    break
                data = await self._fetch_url(data.next, call)

    async def _fan_out(
        self, offsets: range, stride: int, call: CallSpan | None
    ) -> AsyncGenerator[PageData[T], None]:
        """Fetch ``offsets`` with at most ``concurrency`` in flight, yielding structured pages."""
        semaphore = asyncio.Semaphore(self._concurrency)
        window = 2 * self._concurrency
        pending: deque[tuple[int, asyncio.Task[PageData[T]]]] = deque()
        todo = iter(offsets)

        async def fetch(offset: int) -> PageData[T]:
            # The slot is freed as soon as the body is in: the next request goes out while this
            # page is structured, so parsing overlaps waiting instead of adding to it.
            async with semaphore:
                content = await self._download(offset, stride, call)
            await asyncio.sleep(0)  # let the task that took the slot send its request first
            return self._parse(content, offset)

        def refill() -> None:
            while len(pending) < window:
                offset = next(todo, None)
                if offset is None:
                    return
                pending.append((offset, asyncio.ensure_future(fetch(offset))))

        try:
            refill()
            while pending:
                if self._ordered:
                    offset, task = pending.popleft()
                    data = await self._result(task, offset, pending, todo)
                else:
                    done, _ = await asyncio.wait(
                        [t for _, t in pending], return_when=asyncio.FIRST_COMPLETED
                    )
                    index = next(i for i, (_, t) in enumerate(pending) if t in done)
                    offset, task = pending[index]
                    del pending[index]
                    data = await self._result(task, offset, pending, todo)
                refill()
                yield data
        finally:
            for _, task in pending:
                task.cancel()
            if pending:
                await asyncio.gather(*(t for _, t in pending), return_exceptions=True)

    @staticmethod
    async def _result(
        task: asyncio.Task[PageData[T]],
        offset: int,
        pending: deque[tuple[int, asyncio.Task[PageData[T]]]],
        todo: object,
    ) -> PageData[T]:
        try:
            return await task
        except ResponseValidationError:
            raise  # the page arrived but a record in it cannot be read: not a missing page
        except EpicError as exc:
            missing = sorted([offset, *(o for o, _ in pending), *list(todo)])  # type: ignore[call-overload]
            raise PaginationError(
                f"listing stopped: the page at offset {offset} failed ({exc}); "
                f"{len(missing)} page(s) not fetched, offsets {missing[:10]}"
                f"{'…' if len(missing) > 10 else ''}",
                missing_offsets=missing,
            ) from exc
