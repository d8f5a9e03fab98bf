"""The one boundary with aiohttp: session, rate limit, retry loop and exception translation.

No other client module imports aiohttp. A request goes: rate limiter token → one attempt →
on failure ask :func:`~epic_async._retry.retry_decision` → release the failed response → sleep →
again. Every aiohttp exception is translated here into the tree of :mod:`epic_async._errors`,
raised ``from`` the original so the cause stays in the traceback.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import time
from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import attrs
from yarl import URL

from ._codec import loads
from ._config import ResolvedConfig, Timeouts
from ._errors import APIStatusError, EpicConnectionError, EpicTimeoutError, error_for_status
from ._metrics import ClientMetrics
from ._ratelimit import RateLimit, RateLimiter
from ._reads import Reader
from ._retry import FailureKind, RetryPolicy, parse_retry_after, retry_decision

__all__ = ["Response", "SharedState", "Transport"]

logger = logging.getLogger("epic_async")

_VERSION: Final = "0.1.0"
_USER_AGENT: Final = (
    f"epic-async/{_VERSION} aiohttp/{aiohttp.__version__} python/{platform.python_version()}"
)
_CLOSED_MESSAGE: Final = (
    "this EpicClient is closed; create a new client (or keep every call inside "
    "`async with EpicClient(...) as client:`)"
)


@attrs.frozen
class Response:
    """A successful answer: status and raw body bytes (decoding is the caller's job)."""

    status: int
    content: bytes
    url: str


class _RedactedHeaders(dict[str, str]):
    """Request headers whose repr hides the key, for tracebacks that print locals."""

    def __repr__(self) -> str:
        return repr({k: ("***" if k == "Token-Authorization" else v) for k, v in self.items()})


class _AttemptFailed(Exception):
    """Internal: one attempt failed; carries what the retry decision needs and the final error."""

    def __init__(
        self,
        error: Exception,
        kind: FailureKind,
        *,
        status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(str(error))
        self.error = error
        self.kind = kind
        self.status = status
        self.retry_after = retry_after


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
    ) -> None:
        self.config = config
        #: Structures every answer of this client; remembers what it warned about.
        self.reader = Reader(strict=strict)
        self.rate_limit = rate_limit
        self.max_connections = max_connections
        self.metrics = ClientMetrics()
        self.closed = False
        self._session = session
        self._owns_session = session is None
        self._limiter: RateLimiter | None = None
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

    @property
    def headers(self) -> Mapping[str, str]:
        return self._headers

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

    def __init__(self, shared: SharedState, *, retry: RetryPolicy, timeouts: Timeouts) -> None:
        self.shared = shared
        self.retry = retry
        self.timeouts = timeouts
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
    ) -> Response:
        """Send with rate limit and retries; return the 2xx answer or raise an ``EpicError``."""
        shared = self.shared
        session = shared.session()
        limiter = shared.limiter(self.retry.sleep)
        metrics = shared.metrics
        headers: Mapping[str, str] = shared.headers
        if body is not None:
            headers = _RedactedHeaders(headers, **{"Content-Type": "application/json"})
        attempt = 0
        while True:
            attempt += 1
            if limiter is not None:
                await limiter.acquire()
            if attempt > 1:
                metrics.retries += 1
            try:
                response = await self._attempt(session, method, url, params, body, headers, attempt)
            except _AttemptFailed as failed:
                delay = retry_decision(
                    self.retry,
                    method=method,
                    attempt=attempt,
                    kind=failed.kind,
                    status=failed.status,
                    retry_after=failed.retry_after,
                )
                if failed.status == 429 and limiter is not None:
                    limiter.on_throttle()
                    if delay is not None:
                        if limiter.pause(delay):
                            metrics.pauses += 1
                        continue  # the pause gate in acquire() does the waiting, for every task
                if delay is None:
                    raise failed.error from failed.error.__cause__
                logger.debug(
                    "retrying %s %s in %.3fs (attempt %d failed: %s)",
                    method, url, delay, attempt, failed.error,
                )  # fmt: skip
                await self.retry.sleep(delay)
                continue
            if limiter is not None:
                limiter.on_success()
            return response

    async def _attempt(
        self,
        session: aiohttp.ClientSession,
        method: str,
        url: str,
        params: Mapping[str, str] | None,
        body: bytes | None,
        headers: Mapping[str, str],
        attempt: int,
    ) -> Response:
        metrics = self.shared.metrics
        metrics.requests += 1
        if body is not None:
            metrics.bytes_sent += len(body)
        started = time.perf_counter()
        debug = logger.isEnabledFor(logging.DEBUG)
        if debug:
            logger.debug("-> %s %s params=%s attempt=%d", method, url, dict(params or {}), attempt)
        try:
            async with session.request(
                method,
                url,
                params=params,
                data=body,
                headers=headers,
                timeout=self._timeout,
                allow_redirects=False,
            ) as resp:
                # Read inside the context so the connection is released before any retry sleep.
                content = await resp.read()
                status = resp.status
                final_url = str(resp.url)
                request_id = resp.headers.get("X-Request-Id")
                retry_after_header = resp.headers.get("Retry-After")
                location = resp.headers.get("Location")
                content_type = resp.headers.get("Content-Type", "")
        except aiohttp.ConnectionTimeoutError as exc:
            raise self._connection_failed(
                EpicTimeoutError(f"{method} {url}: timed out connecting"), FailureKind.NOT_SENT, exc
            ) from exc
        except aiohttp.ClientConnectorError as exc:
            raise self._connection_failed(
                EpicConnectionError(f"{method} {url}: cannot connect ({exc.os_error})"),
                FailureKind.NOT_SENT,
                exc,
            ) from exc
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise self._connection_failed(
                EpicTimeoutError(f"{method} {url}: timed out waiting for the answer"),
                FailureKind.MAYBE_SENT,
                exc,
            ) from exc
        except aiohttp.ClientPayloadError as exc:
            raise self._connection_failed(
                EpicConnectionError(f"{method} {url}: the answer was cut short ({exc})"),
                FailureKind.MAYBE_SENT,
                exc,
            ) from exc
        except aiohttp.ClientError as exc:
            raise self._connection_failed(
                EpicConnectionError(
                    f"{method} {url}: connection lost ({type(exc).__name__}: {exc})"
                ),
                FailureKind.MAYBE_SENT,
                exc,
            ) from exc
        metrics.bytes_received += len(content)
        metrics.by_status[status] += 1
        if debug:
            logger.debug(
                "<- %s %s %d in %.1f ms, %d bytes%s",
                method, final_url, status, (time.perf_counter() - started) * 1000, len(content),
                f" request-id={request_id}" if request_id else "",
            )  # fmt: skip
        if 200 <= status < 300:
            return Response(status=status, content=content, url=final_url)
        if 300 <= status < 400:
            # Never follow: aiohttp would carry our custom auth header to wherever Location points.
            raise _AttemptFailed(
                APIStatusError(
                    f"{method} {final_url} -> {status}: redirect to {location!r} refused (the SDK "
                    "never follows redirects with the API key attached; check base_url and paths=)",
                    status=status,
                    method=method,
                    url=final_url,
                    body=None,
                    request_id=request_id,
                ),
                FailureKind.STATUS,
                status=status,
            )
        if status == 429:
            metrics.throttled += 1
        retry_after = parse_retry_after(retry_after_header)
        error = error_for_status(
            status=status,
            method=method,
            url=final_url,
            body=_decode_error_body(content, content_type),
            request_id=request_id,
            retry_after=retry_after,
        )
        raise _AttemptFailed(error, FailureKind.STATUS, status=status, retry_after=retry_after)

    def _connection_failed(
        self, error: EpicConnectionError, kind: FailureKind, cause: BaseException
    ) -> _AttemptFailed:
        self.shared.metrics.connection_errors += 1
        error.__cause__ = cause
        error.request_sent = kind is FailureKind.MAYBE_SENT
        return _AttemptFailed(error, kind)


def _decode_error_body(content: bytes, content_type: str) -> Any:
    """The error body as JSON when it is JSON, else as (trimmed) text: always kept on the error."""
    if not content:
        return None
    if "json" in content_type:
        try:
            return loads(content)
        except ValueError:  # orjson.JSONDecodeError is a ValueError
            pass
    return content.decode("utf-8", errors="replace")
