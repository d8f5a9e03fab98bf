"""Tracing as the rest of the SDK sees it: the per-client choice, the call in progress, decorators.

OpenTelemetry is optional (the ``otel`` extra). This module never imports it:
:func:`client_tracing` imports :mod:`epic_async._otel` (which does) once per process, when a
client is built with tracing on. With the extra absent, or ``tracing=False``, a client's tracing
is ``None``, chosen once, and every traced path takes the branch it had before tracing existed:
one ``is None`` test per call, no span object, no header copied.

A public call's span reaches the requests it makes in one of two ways. A coroutine method
(``get``, ``get_many``, ``create_many``...) runs inside its span: :data:`CURRENT_CALL` holds it
for the call and the tasks it starts, and the resource code hands it to the transport. A pager's
span cannot be current: a pager yields to the caller's loop body, whose own spans must not nest
under the listing, so the pager carries its span and passes it along explicitly.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Concatenate, Final, ParamSpec, TypeVar

if TYPE_CHECKING:
    from opentelemetry.trace import TracerProvider

    from ._otel import CallSpan, Tracing
    from ._pagination import Pager
    from .resources._base import Resource

__all__ = [
    "BATCHES",
    "CURRENT_CALL",
    "PAGES",
    "RECORDS",
    "RETRIES",
    "THROTTLED",
    "WAIT_EVENT",
    "client_tracing",
    "current_call",
    "traced",
    "traced_listing",
]

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
S = TypeVar("S", bound="Resource")

# What a call span counts (attribute names).
RETRIES: Final = "epic_async.retries"
THROTTLED: Final = "epic_async.throttled"
PAGES: Final = "epic_async.pages"
RECORDS: Final = "epic_async.records"
BATCHES: Final = "epic_async.batches"
#: The event of a wait on a call span (``epic_async.wait.seconds``, ``epic_async.wait.reason``).
WAIT_EVENT: Final = "epic_async.wait"

#: The span of the public coroutine call in progress (None outside one, or when not traced).
CURRENT_CALL: ContextVar[CallSpan | None] = ContextVar("epic_async_current_call", default=None)


def current_call() -> CallSpan | None:
    return CURRENT_CALL.get()


@functools.cache
def _tracing_class() -> type[Tracing] | None:
    """:class:`epic_async._otel.Tracing`, or None when opentelemetry-api is not installed."""
    try:
        from ._otel import Tracing
    except ModuleNotFoundError as exc:
        if (exc.name or "").partition(".")[0] != "opentelemetry":
            raise  # a bug of ours, not the optional extra missing
        return None
    return Tracing


def client_tracing(
    *, enabled: bool, provider: TracerProvider | None, propagate: bool
) -> Tracing | None:
    """A client's tracing: None (the no-op path, for good) when off or without OpenTelemetry."""
    if not enabled:
        return None
    tracing_class = _tracing_class()
    if tracing_class is None:
        return None
    return tracing_class(provider, propagate=propagate)


def traced(
    method: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
    """Give a resource's public coroutine method its span, ``epic_async <resource>.<method>``."""
    name = method.__name__

    @functools.wraps(method)
    async def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        tracing = self._transport.shared.tracing
        if tracing is None:
            return await method(self, *args, **kwargs)
        return await tracing.run(self._trace_name, name, method(self, *args, **kwargs))

    return call


def traced_listing(
    method: Callable[Concatenate[S, P], Pager[T]],
) -> Callable[Concatenate[S, P], Pager[T]]:
    """Name the pager a resource's listing method returns: its span opens with its first page."""
    name = method.__name__

    @functools.wraps(method)
    def call(self: S, /, *args: P.args, **kwargs: P.kwargs) -> Pager[T]:
        pager = method(self, *args, **kwargs)
        pager._operation = (self._trace_name, name)
        return pager

    return call
