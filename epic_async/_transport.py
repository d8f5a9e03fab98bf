"""The one boundary with aiohttp: session, rate limit, retry loop and exception translation.

No other client module imports aiohttp but :mod:`epic_async._exchange`, which sends one
request and says what its answer means. A request goes: rate limiter token → one attempt →
success, or one of two paths. **A 429 under a rate limit** is a wait: the limiter hears of it
(a stated rate pauses every sender, an adaptive one is cut) and the request is sent again after
:func:`~epic_async._retry.throttle_wait`. **An error** (5xx, timeout, connection; or a 429 without
a rate limit) uses up an attempt: :func:`~epic_async._retry.retry_decision` says whether and how
long, and the retry budget must pay for it. Every aiohttp exception is translated by one table
(:data:`~epic_async._exchange.EXC_MAP`) into the tree of :mod:`epic_async._errors`, raised ``from``
the original so the cause stays in the traceback.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

import aiohttp
import attrs
from yarl import URL

from ._config import ResolvedConfig, Timeouts
from ._errors import EpicConnectionError, EpicTimeoutError
from ._exchange import TRANSLATED, AttemptFailed, Response, exchange, refusal, translate
from ._metrics import ClientMetrics
from ._ratelimit import RateLimit, RateLimiter
from ._reads import Reader
from ._retry import RetryPolicy, retry_decision, throttle_wait
from ._retry_budget import RetryBudget, RetryQuota
from ._version import __version__

if TYPE_CHECKING:
    from ._otel import CallSpan, Tracing

__all__ = ["Response", "SharedState", "Transport"]  # Response: resources import it from here

logger = logging.getLogger("epic_async")

_USER_AGENT: Final = (
    f"epic-async/{__version__} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)
_CLOSED_MESSAGE: Final = (
    "this EpicClient is closed; create a new client (or keep every call inside "
    "`async with EpicClient(...) as client:`)"
)


class _RedactedHeaders(dict[str, str]):
    """Request headers whose repr hides the key, for tracebacks that print locals."""

    def __repr__(self) -> str:
        return repr({k: ("***" if k == "Token-Authorization" else v) for k, v in self.items()})


@attrs.define
class _Tally:
    """One request's history across its attempts."""

    sends: int = 0
    errors: int = 0  # attempts failed by an error (and by 429s when there is no rate limit)
    throttles: int = 0  # 429s under a rate limit
    throttle_waited: float = 0.0  # seconds waited after them
    budget_spent: int = 0  # what its retries took from the retry budget


class SharedState:
    """What a client and its ``with_options()`` copies share: session, limiter, metrics, lifecycle.

    The session and the limiter are bound to the event loop they are created in, so both are made
    lazily on the first request, inside the running loop, and refuse use from another loop.
    """

    def __init__(
        self,
        *,
        config: ResolvedConfig,
        rate_limit: RateLimit | None,
        max_connections: int,
        session: aiohttp.ClientSession | None,
        auth_prefix: str,
        strict: bool = False,
        tracing: Tracing | None = None,
    ) -> None:
        self.config = config
        #: Spans for this client's calls (epic_async._otel), or None: not traced, chosen once.
        self.tracing = tracing
        #: Structures every answer of this client; remembers what it warned about.
        self.reader = Reader(strict=strict)
        self.rate_limit = rate_limit
        self.max_connections = max_connections
        self.metrics = ClientMetrics()
        self.closed = False
        self._session = session
        self._owns_session = session is None
        self._limiter: RateLimiter | None = None
        self._quotas: dict[RetryBudget, RetryQuota] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        prefix = f"{auth_prefix} " if auth_prefix else ""
        # Built once; the only place the key is revealed. Never logged (see Transport._log_*).
        self._headers = _RedactedHeaders(
            {
                "Token-Authorization": prefix + config.api_key.reveal(),
                "Accept": "application/json",
                # DRF translates its messages: English ones are what the SDK recognises (for
                # example "Ensure this field has no more than 50 elements.").
                "Accept-Language": "en",
                "User-Agent": _USER_AGENT,
            }
        )

    def _check_loop(self) -> asyncio.AbstractEventLoop:
        if self.closed:
            raise RuntimeError(_CLOSED_MESSAGE)
        loop = asyncio.get_running_loop()
        if self._loop is None:
            self._loop = loop
        elif self._loop is not loop:
            raise RuntimeError(
                "this EpicClient is bound to the event loop it first ran in; create one client per "
                "event loop (or use SyncEpicClient from sync code)"
            )
        return loop

    def session(self) -> aiohttp.ClientSession:
        self._check_loop()
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self.max_connections, limit_per_host=self.max_connections
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    def limiter(self, sleep: Any) -> RateLimiter | None:
        if self.rate_limit is None:
            return None
        if self._limiter is None:
            self._limiter = RateLimiter(self.rate_limit, sleep=sleep)
        return self._limiter

    def retry_quota(self, budget: RetryBudget | None) -> RetryQuota | None:
        """The live retry quota for ``budget``: one per client and budget settings, so a client
        and its ``with_options()`` copies with the same settings draw on the same quota."""
        if budget is None:
            return None
        quota = self._quotas.get(budget)
        if quota is None:
            quota = self._quotas[budget] = RetryQuota(budget)
        return quota

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

    @property
    def owns_open_session(self) -> bool:
        """True while a connection pool this client opened itself is still open (not borrowed,
        not closed): what an unclosed client must warn about."""
        return self._owns_session and self._session is not None and not self.closed

    async def aclose(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self._owns_session and self._session is not None:
            await self._session.close()
        self._session = None
        if self._limiter is not None:
            await self._limiter.aclose()


class Transport:
    """Sends requests for one client configuration (retry policy, timeouts) over shared state."""

    def __init__(
        self,
        shared: SharedState,
        *,
        retry: RetryPolicy,
        timeouts: Timeouts,
        extra_headers: Mapping[str, str] | None = None,
    ) -> None:
        self.shared = shared
        self.retry = retry
        self.timeouts = timeouts
        #: The caller's own headers (``with_options(headers=...)``), already checked.
        self.extra_headers: Mapping[str, str] = dict(extra_headers or {})
        # Built once per configuration: a request only picks the one for its kind of body.
        self._headers = _RedactedHeaders(shared.headers, **self.extra_headers)
        self._json_headers = _RedactedHeaders(self._headers, **{"Content-Type": "application/json"})
        self._timeout = aiohttp.ClientTimeout(
            total=timeouts.total, sock_connect=timeouts.connect, sock_read=timeouts.read
        )
        self._origin = URL(shared.config.base_url).origin()

    @property
    def metrics(self) -> ClientMetrics:
        return self.shared.metrics

    def url_for(self, path: str) -> str:
        """Absolute URL of a path relative to the base URL."""
        return self.shared.config.base_url + path

    def check_same_origin(self, url: str) -> None:
        """Refuse to send the key to a host other than the base URL's (e.g. a forged ``next``)."""
        if URL(url).origin() != self._origin:
            raise EpicConnectionError(
                f"refusing to send the API key to {URL(url).origin()} "
                f"(the client is configured for {self._origin})"
            )

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        call: CallSpan | None = None,
    ) -> Response:
        """Send with rate limit and retries; return the 2xx answer or raise an ``EpicError``.

        ``call`` is the span of the public call this request belongs to: its attempts become
        child spans, its waits events. A call of another client (one client's request made
        inside another's call) is ignored: spans never cross clients.
        """
        shared = self.shared
        if call is not None and call.tracing is not shared.tracing:
            call = None
        session = shared.session()
        limiter = shared.limiter(self.retry.sleep)
        quota = shared.retry_quota(self.retry.retry_budget)
        headers = self._headers if body is None else self._json_headers
        tally = _Tally()
        while True:
            if limiter is None:
                ticket = 0
            elif call is None:
                ticket = await limiter.acquire()
            else:  # a shared 429 pause is waited out in acquire(): say which wait it was
                reason = "throttle_pause" if limiter.paused else "rate_limit"
                ticket = await call.timed(limiter.acquire(), reason)
            tally.sends += 1
            try:
                if call is None:
                    response = await self._attempt(
                        session, method, url, params, body, headers, tally
                    )
                else:
                    response = await self._traced_attempt(
                        session, method, url, params, body, headers, tally, call
                    )
            except AttemptFailed as failed:
                if failed.status == 429 and limiter is not None:
                    await self._wait_out_throttle(failed, tally, limiter, ticket, method, url, call)
                else:
                    await self._wait_out_error(failed, tally, quota, method, url, call)
                continue
            if quota is not None:
                quota.refund(tally.budget_spent)
            return response

    async def _wait_out_throttle(
        self,
        failed: AttemptFailed,
        tally: _Tally,
        limiter: RateLimiter,
        ticket: int,
        method: str,
        url: str,
        call: CallSpan | None,
    ) -> None:
        """The 429 path: a wait, whatever the attempt count; raise past the policy's limits."""
        tally.throttles += 1
        if limiter.adaptive:
            limiter.cut(ticket)  # once per overload: the limiter compares the ticket
        wait = throttle_wait(
            self.retry,
            retry_after=failed.retry_after,
            throttles=tally.throttles,
            waited=tally.throttle_waited,
        )
        if wait is None:
            raise failed.error from failed.error.__cause__
        tally.throttle_waited += wait
        if not limiter.adaptive and failed.retry_after is not None:
            # A stated rate is right until the server says otherwise: when it does, every task
            # holds (one pause, not one per task), and acquire() does the waiting.
            if limiter.pause(wait):
                self.shared.metrics.pauses += 1
            return
        logger.debug("throttled: %s %s again in %.3fs (429 no. %d)", method, url, wait, tally.throttles)  # fmt: skip
        if call is not None:
            call.wait(wait, "throttle")
        await self.retry.sleep(wait)

    async def _wait_out_error(
        self,
        failed: AttemptFailed,
        tally: _Tally,
        quota: RetryQuota | None,
        method: str,
        url: str,
        call: CallSpan | None,
    ) -> None:
        """The error path: an attempt used up; retry if the policy and the budget allow."""
        tally.errors += 1
        delay = retry_decision(
            self.retry,
            method=method,
            attempt=tally.errors,
            kind=failed.kind,
            status=failed.status,
            retry_after=failed.retry_after,
        )
        if delay is None:
            raise failed.error from failed.error.__cause__
        if quota is not None and failed.status != 429:
            cost = quota.take(timeout=isinstance(failed.error, EpicTimeoutError))
            if not cost:
                self.shared.metrics.retries_refused += 1
                logger.debug("not retrying %s %s: the retry budget is spent", method, url)
                raise failed.error from failed.error.__cause__
            tally.budget_spent += cost
        logger.debug(
            "retrying %s %s in %.3fs (attempt %d failed: %s)",
            method, url, delay, tally.errors, failed.error,
        )  # fmt: skip
        if call is not None:
            call.wait(delay, "retry_backoff")
        await self.retry.sleep(delay)

    async def _traced_attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str],
        tally: _Tally,
        call: CallSpan,
    ) -> Response:
        """:meth:`_attempt` inside its own span, the trace context added to a copy of the
        headers (the configuration's stay as built: an untraced request copies nothing)."""
        with call.attempt(method, url, params, tally.sends - 1) as attempt:
            if attempt.propagates:
                carrier = _RedactedHeaders(headers)
                attempt.inject(carrier)
                headers = carrier
            response = await self._attempt(session, method, url, params, body, headers, tally)
            attempt.answered(response.status)
        return response

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str],
        tally: _Tally,
    ) -> Response:
        """One exchange: count it, log it, and return the 2xx answer or raise ``AttemptFailed``."""
        metrics = self.shared.metrics
        metrics.requests += 1
        if tally.sends > 1:
            metrics.retries += 1
        if body is not None:
            metrics.bytes_sent += len(body)
        started = time.perf_counter()
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug("-> %s %s params=%s attempt=%d", method, url, dict(params or {}), tally.sends)  # fmt: skip
        try:
            answer = await exchange(
                session,
                method,
                url,
                params=params,
                body=body,
                headers=headers,
                deadlines=self._timeout,
            )
        except TRANSLATED as exc:
            metrics.connection_errors += 1
            raise translate(exc, method, url) from exc
        metrics.bytes_received += len(answer.content)
        metrics.by_status[answer.status] += 1
        if debug:
            logger.debug(
                "<- %s %s %d in %.1f ms, %d bytes%s",
                method, answer.url, answer.status, (time.perf_counter() - started) * 1000,
                len(answer.content), f" request-id={answer.request_id}" if answer.request_id else "",
            )  # fmt: skip
        if 200 <= answer.status < 300:
            return Response(status=answer.status, content=answer.content, url=answer.url)
        if answer.status == 429:
            metrics.throttled += 1
        raise refusal(answer, method)
