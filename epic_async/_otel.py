"""The SDK's spans, over the OpenTelemetry API: the one module that imports ``opentelemetry``.

:func:`epic_async._tracing.client_tracing` imports it when a client is built with tracing on and
the ``otel`` extra (``opentelemetry-api``) is installed; without either, nothing here is loaded.

Two kinds of span, both of kind CLIENT:

- **a call span** per public call (``epic_async chargers.list``), the parent of everything the
  call sends. It counts what the call did (``epic_async.retries``, ``.throttled``, ``.pages``,
  ``.records``, ``.batches``, ``.rows.*``) and carries the time spent waiting as
  ``epic_async.wait`` events (the rate limit, a 429 pause, a retry's backoff), so that no wait
  hides inside an attempt. An error sets its status to ERROR with the error's own message;
- **an attempt span** per HTTP attempt (``GET``, ``POST``...), named and described by
  OpenTelemetry's HTTP client conventions. While it is current, the W3C ``traceparent`` of the
  attempt goes out with the request (unless the client was built with ``propagate_trace=False``),
  and OpenTelemetry's "HTTP instrumentation suppressed" flag is set, so a generic aiohttp
  instrumentation does not trace the same request a second time.

No header, and so never the API key, is written to a span; ``url.full`` keeps only the paging
values of the query (:func:`epic_async._span_attrs.redact_url`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Mapping, MutableMapping
from types import TracebackType
from typing import Any, Final, Self, TypeVar

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from ._exchange import AttemptFailed
from ._span_attrs import call_span_name, error_type, redact_url, result_attributes, server_of
from ._tracing import CURRENT_CALL, RETRIES, THROTTLED, WAIT_EVENT
from ._version import __version__

__all__ = ["Attempt", "CallSpan", "Tracing"]

R = TypeVar("R")

#: Only ``traceparent``/``tracestate``: baggage, which services fill with their own data, is not
#: the vendor's business.
_PROPAGATOR: Final = TraceContextTextMapPropagator()
# The flag OpenTelemetry's HTTP client instrumentations check before tracing a request. The API
# keeps it private (the instrumentations import it the same way); absent, nothing is suppressed.
_SUPPRESS_HTTP: Final = getattr(otel_context, "_SUPPRESS_HTTP_INSTRUMENTATION_KEY", None)
#: A rate-limit wait shorter than this is the event loop's scheduling, not the limit: no event.
NOTABLE_WAIT: Final = 0.001


class Tracing:
    """One client's tracer and its propagation choice, shared by its ``with_options()`` copies."""

    def __init__(self, provider: TracerProvider | None, *, propagate: bool) -> None:
        # provider None: the global provider, looked up at each span, so one configured after
        # the client was built is still used.
        self.tracer = trace.get_tracer("epic_async", __version__, tracer_provider=provider)
        self.propagate = propagate

    def start_call(self, resource: str, method: str) -> CallSpan | None:
        """The span of a public call, child of the caller's current span; None when there is
        nothing to trace (no tracer provider configured: the API hands out an invalid span)."""
        span = self.tracer.start_span(
            call_span_name(resource, method),
            kind=SpanKind.CLIENT,
            attributes={"epic_async.resource": resource, "epic_async.method": method},
        )
        if not span.get_span_context().is_valid:
            return None
        return CallSpan(self, span)

    async def run(self, resource: str, method: str, work: Awaitable[R]) -> R:
        """Await ``work`` (one public call) inside its span: current for the call's duration, so
        the SDK's calls it makes itself (reconcile's listing) nest under it."""
        call = self.start_call(resource, method)
        reset = CURRENT_CALL.set(call)  # even None: an outer call's span must not adopt this one
        try:
            if call is None:
                return await work
            token = otel_context.attach(call.context)
            try:
                result = await work
            except BaseException as exc:
                call.finish(exc)
                raise
            finally:
                otel_context.detach(token)
            call.finish(None, result)
            return result
        finally:
            CURRENT_CALL.reset(reset)


class CallSpan:
    """One public call's span and what the call did so far (its tasks add to it as they go)."""

    __slots__ = ("context", "counts", "span", "tracing", "waited", "waits")

    def __init__(self, tracing: Tracing, span: Span) -> None:
        self.tracing = tracing
        self.span = span
        self.context = trace.set_span_in_context(span)  # the parent of the call's attempts
        self.counts: dict[str, int] = {RETRIES: 0, THROTTLED: 0}
        self.waits = 0
        self.waited = 0.0

    def declare(self, *names: str) -> None:
        """Counters this kind of call always reports, even when they stay 0."""
        for name in names:
            self.counts.setdefault(name, 0)

    def add(self, name: str, amount: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + amount

    def attempt(
        self, method: str, url: str, params: Mapping[str, str] | None, resends: int
    ) -> Attempt:
        if resends:
            self.add(RETRIES)
        return Attempt(self, method, url, params, resends)

    def wait(self, seconds: float, reason: str, *, started_ns: int | None = None) -> None:
        """Record a wait on the call's span: when it began, how long, and why."""
        self.waits += 1
        self.waited += seconds
        self.span.add_event(
            WAIT_EVENT,
            {"epic_async.wait.seconds": seconds, "epic_async.wait.reason": reason},
            timestamp=started_ns,
        )

    async def timed(self, acquire: Awaitable[R], reason: str) -> R:
        """Await a rate-limit token, recording the wait when the limit made one."""
        started_ns = time.time_ns()
        started = time.perf_counter()
        ticket = await acquire
        waited = time.perf_counter() - started
        if waited >= NOTABLE_WAIT:
            self.wait(waited, reason, started_ns=started_ns)
        return ticket

    def finish(self, error: BaseException | None = None, result: Any = None) -> None:
        """Write the counts, the outcome, and end the span."""
        span = self.span
        attributes: dict[str, int | float] = dict(self.counts)
        if self.waits:
            attributes["epic_async.wait.count"] = self.waits
            attributes["epic_async.wait.seconds"] = self.waited
        attributes.update(result_attributes(result))
        span.set_attributes(attributes)
        if error is not None and not isinstance(error, GeneratorExit):  # closed early: no error
            describe_error(span, error, record=isinstance(error, Exception))
        span.end()


class Attempt:
    """One HTTP attempt's span; current (and the generic HTTP instrumentation suppressed) inside
    ``with``, and ended with what the attempt came to."""

    __slots__ = ("_token", "call", "context", "span")

    def __init__(
        self,
        call: CallSpan,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        resends: int,
    ) -> None:
        host, port = server_of(url)
        attributes: dict[str, str | int] = {
            "http.request.method": method,
            "url.full": redact_url(url, params),
            "server.address": host,
            "server.port": port,
        }
        if resends:
            attributes["http.request.resend_count"] = resends
        self.call = call
        self.span = call.tracing.tracer.start_span(
            method, context=call.context, kind=SpanKind.CLIENT, attributes=attributes
        )
        self.context = trace.set_span_in_context(self.span)

    @property
    def propagates(self) -> bool:
        return self.call.tracing.propagate

    def inject(self, headers: MutableMapping[str, str]) -> None:
        """Add this attempt's ``traceparent`` (and ``tracestate``) to a copy of the headers."""
        _PROPAGATOR.inject(headers, context=self.context)

    def answered(self, status: int) -> None:
        self.span.set_attribute("http.response.status_code", status)

    def __enter__(self) -> Self:
        context = self.context
        if _SUPPRESS_HTTP is not None:
            context = otel_context.set_value(_SUPPRESS_HTTP, True, context)
        self._token = otel_context.attach(context)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        otel_context.detach(self._token)
        span = self.span
        if isinstance(exc, AttemptFailed):
            if exc.status is not None:  # the server answered, and not with a 2xx
                self.answered(exc.status)
                span.set_attribute("error.type", str(exc.status))
                span.set_status(Status(StatusCode.ERROR))  # the status code says it all
                if exc.status == 429:
                    self.call.add(THROTTLED)
            else:  # no answer: the exception aiohttp raised, as our one-line message says it
                cause = exc.error.__cause__ or exc.error
                span.set_attribute("error.type", error_type(cause))
                span.set_status(Status(StatusCode.ERROR, str(exc.error)))
        elif exc is not None:
            describe_error(span, exc, record=False)
        span.end()


def describe_error(span: Span, error: BaseException, *, record: bool) -> None:
    """ERROR status with the error's own one-line message (or "cancelled"), its type, and the
    exception itself as an event when ``record``."""
    cancelled = isinstance(error, asyncio.CancelledError)
    span.set_attribute("error.type", error_type(error))
    span.set_status(Status(StatusCode.ERROR, "cancelled" if cancelled else str(error)))
    if record:
        span.record_exception(error)
