"""One HTTP exchange over aiohttp, and what it means: an answer, or an ``AttemptFailed``.

:func:`exchange` sends one request and reads the whole answer (so the connection is released
before any retry wait). :func:`translate` turns an aiohttp exception into ours through one table,
:data:`EXC_MAP`; :func:`refusal` turns a non-2xx answer into ours (redirects are never followed).
The transport (:mod:`epic_async._transport`) decides what to do about either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import aiohttp
import attrs

from ._codec import loads
from ._errors import APIStatusError, EpicConnectionError, EpicTimeoutError, error_for_status
from ._retry import FailureKind, parse_retry_after

__all__ = [
    "EXC_MAP",
    "TRANSLATED",
    "Answer",
    "AttemptFailed",
    "Response",
    "exchange",
    "refusal",
    "translate",
]


@attrs.frozen
class Response:
    """A successful answer: status and raw body bytes (decoding is the caller's job)."""

    status: int
    content: bytes
    url: str


# aiohttp's exceptions → ours, as httpx's HTTPCORE_EXC_MAP does it: the first row whose type
# matches wins, so subclasses come before their bases (ConnectionTimeoutError is a TimeoutError,
# ClientPayloadError a ClientError). The kind says whether the server can have seen the request.
EXC_MAP: Final[tuple[tuple[type[BaseException], type[EpicConnectionError], FailureKind, str], ...]] = (
    (aiohttp.ConnectionTimeoutError, EpicTimeoutError, FailureKind.NOT_SENT, "timed out connecting"),
    (aiohttp.ClientConnectorError, EpicConnectionError, FailureKind.NOT_SENT, "cannot connect ({os_error})"),
    (TimeoutError, EpicTimeoutError, FailureKind.MAYBE_SENT, "timed out waiting for the answer"),
    (aiohttp.ClientPayloadError, EpicConnectionError, FailureKind.MAYBE_SENT, "the answer was cut short ({exc})"),
    (aiohttp.ClientError, EpicConnectionError, FailureKind.MAYBE_SENT, "connection lost ({name}: {exc})"),
)  # fmt: skip
TRANSLATED: Final = (TimeoutError, aiohttp.ClientError)


@attrs.frozen
class Answer:
    """What one exchange brought back, read in full (the connection is already released)."""

    status: int
    content: bytes
    url: str
    request_id: str | None
    retry_after: str | None
    location: str | None
    content_type: str


class AttemptFailed(Exception):
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


async def exchange(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    params: Mapping[str, str] | None,
    body: bytes | None,
    headers: Mapping[str, str],
    deadlines: aiohttp.ClientTimeout,
) -> Answer:
    """Send once and read the whole answer; aiohttp's exceptions pass through (see
    :func:`translate`)."""
    async with session.request(
        method,
        url,
        params=params,
        data=body,
        headers=headers,
        timeout=deadlines,
        allow_redirects=False,
    ) as resp:
        # Read inside the context so the connection is released before any retry sleep.
        content = await resp.read()
        return Answer(
            status=resp.status,
            content=content,
            url=str(resp.url),
            request_id=resp.headers.get("X-Request-Id"),
            retry_after=resp.headers.get("Retry-After"),
            location=resp.headers.get("Location"),
            content_type=resp.headers.get("Content-Type", ""),
        )


def translate(exc: BaseException, method: str, url: str) -> AttemptFailed:
    """The first row of :data:`EXC_MAP` that ``exc`` is an instance of, as our error.

    >>> translate(TimeoutError(), "GET", "https://x/charger/").error
    EpicTimeoutError('GET https://x/charger/: timed out waiting for the answer')
    """
    for source, target, kind, template in EXC_MAP:
        if isinstance(exc, source):
            detail = template.format(
                exc=exc, name=type(exc).__name__, os_error=getattr(exc, "os_error", exc)
            )
            error = target(f"{method} {url}: {detail}")
            error.__cause__ = exc
            error.request_sent = kind is FailureKind.MAYBE_SENT
            return AttemptFailed(error, kind)
    raise AssertionError(f"{type(exc).__name__} is not in EXC_MAP") from exc  # see TRANSLATED


def refusal(answer: Answer, method: str) -> AttemptFailed:
    """A non-2xx answer as the error it is."""
    status = answer.status
    if 300 <= status < 400:
        # Never follow: aiohttp would carry our custom auth header to wherever Location points.
        error: APIStatusError = APIStatusError(
            f"{method} {answer.url} -> {status}: redirect to {answer.location!r} refused (the "
            "SDK never follows redirects with the API key attached; check base_url and paths=)",
            status=status,
            method=method,
            url=answer.url,
            body=None,
            request_id=answer.request_id,
        )
        return AttemptFailed(error, FailureKind.STATUS, status=status)
    retry_after = parse_retry_after(answer.retry_after)
    error = error_for_status(
        status=status,
        method=method,
        url=answer.url,
        body=_decode_error_body(answer.content, answer.content_type),
        request_id=answer.request_id,
        retry_after=retry_after,
    )
    return AttemptFailed(error, FailureKind.STATUS, status=status, retry_after=retry_after)


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
