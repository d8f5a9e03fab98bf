"""``SyncEpicClient``: the async client, driven from plain sync code.

One private event loop runs in a daemon thread and owns the aiohttp session and the rate limiter
(both are loop-bound); every sync method submits its async twin to that loop and waits. The
facade holds no logic: each sync method *is* the async method run elsewhere, so names, parameters,
defaults and docstrings are the same by construction (a test checks the signatures too).

Pagers become plain iterators that pull one page at a time across the thread boundary while the
fan-out keeps fetching on the loop, so a sync ``for`` loop lists as fast as ``async for``.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import threading
import warnings
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Mapping
from concurrent.futures import Future
from types import TracebackType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

from ._client import EpicClient
from ._config import Timeouts
from ._metrics import ClientMetrics
from ._pagination import Pager
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from .resources.charger_ports import ChargerPorts
from .resources.chargers import Chargers
from .resources.locations import Locations
from .resources.reports import Reports
from .resources.users import Users

if TYPE_CHECKING:
    import aiohttp
    from opentelemetry.trace import TracerProvider

__all__ = ["SyncEpicClient", "SyncPager"]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
Owner = TypeVar("Owner")


class _LoopThread:
    """A private event loop in a daemon thread; ``run`` executes a coroutine there and waits."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(
            target=self._serve, args=(ready,), name="epic-async-loop", daemon=True
        )
        self.thread.start()
        ready.wait()

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(ready.set)
        try:
            self.loop.run_forever()
        finally:
            # The loop closes itself in its own thread, whoever stopped it (close() or __del__).
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.close()

    def run(self, coro: Coroutine[Any, Any, R]) -> R:
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            coro.close()
            raise RuntimeError(
                "SyncEpicClient was called from inside a running event loop, which it would "
                "block; in async code use EpicClient and await its methods"
            )
        if self.loop.is_closed():
            coro.close()
            raise RuntimeError("this SyncEpicClient is closed; create a new client")
        # The caller's context goes with the work: the handle run_coroutine_threadsafe schedules
        # copies the calling thread's context, and the task it starts inherits that copy. So a
        # call made inside the caller's span gets its span (one, made by the async layer) under
        # it, although the work runs on this loop's thread.
        future: Future[R] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:
            # KeyboardInterrupt (or any abort) in the caller: cancel the work on the loop too.
            future.cancel()
            raise

    def stop(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


class SyncPager(Generic[T]):
    """A :class:`~epic_async.Pager` as a plain iterator: ``for item in pager``, ``collect()``,
    ``pages()``. Pages keep being fetched concurrently on the client's loop while you iterate;
    breaking out of the loop cancels what is in flight."""

    def __init__(self, pager: Pager[T], runner: _LoopThread) -> None:
        self._pager = pager
        self._runner = runner

    @property
    def count(self) -> int | None:
        """The server's ``count`` once the first page has arrived."""
        return self._pager.count

    def __repr__(self) -> str:
        return f"Sync{self._pager!r}"

    def pages(self) -> Iterator[list[T]]:
        """Pages as lists of items."""
        pages: AsyncIterator[list[T]] = self._pager.pages()
        step = _Step()
        try:
            while True:
                try:
                    page = self._runner.run(_next_page(pages, step))
                except StopAsyncIteration:
                    return
                yield page
        finally:
            if not self._runner.loop.is_closed():
                self._runner.run(_aclose(pages, step))

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page

    def collect(self) -> list[T]:
        """Every item, in a list."""
        return [item for page in self.pages() for item in page]


class _Step:
    """The loop task taking the next page, so that closing waits for it to unwind first."""

    task: asyncio.Task[Any] | None = None


async def _next_page(pages: AsyncIterator[list[T]], step: _Step) -> list[T]:
    step.task = asyncio.current_task()
    return await pages.__anext__()


async def _aclose(pages: AsyncIterator[Any], step: _Step) -> None:
    # After Ctrl-C the caller cancelled the step's task, but the cancellation is only delivered
    # on a later turn of the loop: closing the generator before the task has unwound would fail
    # with "aclose(): asynchronous generator is already running".
    if step.task is not None and not step.task.done():
        await asyncio.wait([step.task])
    aclose = getattr(pages, "aclose", None)
    if aclose is not None:
        await aclose()


class _SyncMethod(Generic[Owner, P, R]):
    """Descriptor: the sync twin of an async resource method, same signature and docstring."""

    def __init__(self, method: Callable[Concatenate[Owner, P], Awaitable[R]]) -> None:
        self._method = method
        self._name = method.__name__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(self, instance: _SyncResource[Owner], owner: type[Any]) -> Callable[P, R]: ...
    def __get__(
        self, instance: _SyncResource[Owner] | None, owner: type[Any]
    ) -> Self | Callable[P, R]:
        if instance is None:
            return self
        bound = getattr(instance._async, self._name)
        runner = instance._runner

        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            result: R = runner.run(bound(*args, **kwargs))
            return result

        call.__signature__ = inspect.signature(bound)  # type: ignore[attr-defined]
        return call


class _SyncPagerMethod(Generic[Owner, P, T]):
    """Descriptor: the sync twin of a ``list``-style method, returning a :class:`SyncPager`."""

    def __init__(self, method: Callable[Concatenate[Owner, P], Pager[T]]) -> None:
        self._name = method.__name__

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Self: ...
    @overload
    def __get__(
        self, instance: _SyncResource[Owner], owner: type[Any]
    ) -> Callable[P, SyncPager[T]]: ...
    def __get__(
        self, instance: _SyncResource[Owner] | None, owner: type[Any]
    ) -> Self | Callable[P, SyncPager[T]]:
        if instance is None:
            return self
        bound = getattr(instance._async, self._name)
        runner = instance._runner

        @functools.wraps(bound)
        def call(*args: P.args, **kwargs: P.kwargs) -> SyncPager[T]:
            return SyncPager(bound(*args, **kwargs), runner)

        call.__signature__ = inspect.signature(bound)  # type: ignore[attr-defined]
        return call


class _SyncResource(Generic[Owner]):
    def __init__(self, resource: Owner, runner: _LoopThread) -> None:
        self._async = resource
        self._runner = runner


class SyncChargers(_SyncResource[Chargers]):
    __doc__ = Chargers.__doc__
    list = _SyncPagerMethod(Chargers.list)
    get = _SyncMethod(Chargers.get)
    get_many = _SyncMethod(Chargers.get_many)
    create_many = _SyncMethod(Chargers.create_many)


class SyncChargerPorts(_SyncResource[ChargerPorts]):
    __doc__ = ChargerPorts.__doc__
    list = _SyncPagerMethod(ChargerPorts.list)
    get = _SyncMethod(ChargerPorts.get)
    update = _SyncMethod(ChargerPorts.update)
    reserve = _SyncMethod(ChargerPorts.reserve)
    cancel_reservation = _SyncMethod(ChargerPorts.cancel_reservation)
    start = _SyncMethod(ChargerPorts.start)
    stop = _SyncMethod(ChargerPorts.stop)


class SyncLocations(_SyncResource[Locations]):
    __doc__ = Locations.__doc__
    list = _SyncPagerMethod(Locations.list)
    get = _SyncMethod(Locations.get)
    get_many = _SyncMethod(Locations.get_many)
    create_many = _SyncMethod(Locations.create_many)


class SyncUsers(_SyncResource[Users]):
    __doc__ = Users.__doc__
    list = _SyncPagerMethod(Users.list)
    get = _SyncMethod(Users.get)
    get_many = _SyncMethod(Users.get_many)
    create_many = _SyncMethod(Users.create_many)


class SyncReports(_SyncResource[Reports]):
    __doc__ = Reports.__doc__
    charger_status = _SyncPagerMethod(Reports.charger_status)
    chargers = _SyncPagerMethod(Reports.chargers)
    charging_sessions = _SyncPagerMethod(Reports.charging_sessions)
    faults = _SyncPagerMethod(Reports.faults)
    transactions = _SyncPagerMethod(Reports.transactions)


class SyncEpicClient:
    """The blocking twin of :class:`EpicClient`: same arguments, resources and methods.

    One private event loop in a daemon thread owns the connection pool and the rate limit, so one
    instance is safe to share across threads: they all share one limit and one pool.

    >>> with SyncEpicClient() as client:  # the key and tenant from $EPIC_API_KEY, $EPIC_TENANT
    ...     for port in client.charger_ports.list(status__in=["CHARGING"]):
    ...         print(port.charger_point_id, port.status.key)
    EPC-... CHARGING
    ...
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        tenant: str | None = None,
        base_url: str | None = None,
        rate_limit: RateLimit | None = RateLimit(),  # noqa: B008 - frozen, so sharing is safe
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008
        timeouts: Timeouts = Timeouts(),  # noqa: B008
        max_connections: int | None = None,
        session: aiohttp.ClientSession | None = None,
        paths: Mapping[str, str] | None = None,
        auth_prefix: str = "",
        allow_insecure_http: bool = False,
        strict: bool = False,
        tracer_provider: TracerProvider | None = None,
        tracing: bool = True,
        propagate_trace: bool = True,
    ) -> None:
        # Validate in the caller's thread (bad arguments raise here), then start the loop.
        client = EpicClient(
            api_key=api_key,
            tenant=tenant,
            base_url=base_url,
            rate_limit=rate_limit,
            retry=retry,
            timeouts=timeouts,
            max_connections=max_connections,
            session=session,
            paths=paths,
            auth_prefix=auth_prefix,
            allow_insecure_http=allow_insecure_http,
            strict=strict,
            tracer_provider=tracer_provider,
            tracing=tracing,
            propagate_trace=propagate_trace,
        )
        self._setup(client, _LoopThread(), owner=True)

    def _setup(self, client: EpicClient, runner: _LoopThread, *, owner: bool) -> None:
        self._client = client
        self._runner = runner
        self._owner = owner
        self._closed = False
        self.chargers = SyncChargers(client.chargers, runner)
        self.charger_ports = SyncChargerPorts(client.charger_ports, runner)
        self.locations = SyncLocations(client.locations, runner)
        self.users = SyncUsers(client.users, runner)
        self.reports = SyncReports(client.reports, runner)

    def with_options(
        self,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> SyncEpicClient:
        """A copy with another retry policy, timeouts or extra headers, sharing pool, limit,
        metrics and loop (see :meth:`EpicClient.with_options`)."""
        twin = SyncEpicClient.__new__(SyncEpicClient)
        copy = self._client.with_options(retry=retry, timeouts=timeouts, headers=headers)
        twin._setup(copy, self._runner, owner=False)
        return twin

    @property
    def base_url(self) -> str:
        return self._client.base_url

    @property
    def metrics(self) -> ClientMetrics:
        return self._client.metrics

    @property
    def closed(self) -> bool:
        return self._closed or self._client.closed

    def close(self) -> None:
        """Close the session on its loop, stop the loop and join its thread. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if not self._runner.loop.is_closed():
            self._runner.run(self._client.aclose())
            if self._owner:
                self._runner.stop()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        if getattr(self, "_owner", False) and not self._closed:
            warnings.warn(
                f"unclosed {self!r}: call close() or use `with SyncEpicClient(...)`",
                ResourceWarning,
                stacklevel=2,
            )
            runner = self._runner
            if not runner.loop.is_closed():
                # Close the pool on its loop, then stop the loop; never join from a finaliser.
                future = asyncio.run_coroutine_threadsafe(self._client.aclose(), runner.loop)
                future.add_done_callback(
                    lambda _: runner.loop.call_soon_threadsafe(runner.loop.stop)
                )

    def __repr__(self) -> str:
        return f"SyncEpicClient(base_url={self.base_url!r}{', closed' if self.closed else ''})"
