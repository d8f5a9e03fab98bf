"""The one exception tree of the SDK, and the only place that maps an HTTP status to it.

::

    EpicError
    ├── EpicConnectionError        could not reach the API (after retries)
    │   └── EpicTimeoutError       also a builtin TimeoutError
    ├── APIStatusError             .status .method .url .body .request_id
    │   ├── BadRequestError 400 (.field_errors)
    │   ├── AuthenticationError 401
    │   ├── PermissionDeniedError 403
    │   ├── NotFoundError 404
    │   ├── ConflictError 409
    │   ├── RateLimitError 429 (.retry_after)
    │   └── ServerError 5xx
    ├── ResponseValidationError    a 2xx body that does not fit the model (.messages)
    └── BulkCreateError            raised by BulkResult.raise_for_failures()

Caller mistakes (a bad argument, a closed client) are ``ValueError``/``TypeError``/``RuntimeError``
raised before any request. Messages are one line a support engineer can act on; none of them ever
contains the API key (the transport redacts it before anything reaches here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "EpicConnectionError",
    "EpicError",
    "EpicTimeoutError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "error_for_status",
]

_BODY_PREVIEW = 300


class EpicError(Exception):
    """Base class of every error the SDK raises about the API (not about caller mistakes)."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword-only arguments, which Exception's default pickling cannot
        # replay; rebuild from the message and the attributes instead, so errors cross process
        # boundaries (multiprocessing, concurrent.futures) intact.
        return (_rebuild_error, (type(self), self.args, self.__dict__))


def _rebuild_error(cls: type[EpicError], args: tuple[Any, ...], state: dict[str, Any]) -> EpicError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


class EpicConnectionError(EpicError):
    """The API could not be reached, or the connection broke, after every retry.

    ``request_sent`` tells whether the request may have reached the server (a timeout or a broken
    connection after sending) or certainly did not (connection refused, DNS failure). For a POST
    that matters: ``request_sent=True`` means its outcome is unknown.
    """

    def __init__(self, message: str, *, request_sent: bool = False) -> None:
        super().__init__(message)
        self.request_sent = request_sent


class EpicTimeoutError(EpicConnectionError, TimeoutError):
    """A request timed out (connect, read or total). Also a builtin ``TimeoutError``."""


class APIStatusError(EpicError):
    """The API answered with a non-2xx status.

    Attributes keep everything needed to debug without re-running: ``status``, ``method``, ``url``
    (never carrying the key: the key travels in a header), the decoded ``body`` (dict, list or text)
    and the server's ``request_id`` when it sent one.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int,
        method: str,
        url: str,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.method = method
        self.url = url
        self.body = body
        self.request_id = request_id


class BadRequestError(APIStatusError):
    """400: the server rejected the input. ``field_errors`` is the DRF ``{field: [messages]}`` dict."""

    @property
    def field_errors(self) -> dict[str, Any]:
        return dict(self.body) if isinstance(self.body, Mapping) else {}


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong or revoked."""


class PermissionDeniedError(APIStatusError):
    """403: the API key lacks the read or write permission for this resource."""


class NotFoundError(APIStatusError):
    """404: no such object, or a path the tenant does not serve (see ``paths=``)."""


class ConflictError(APIStatusError):
    """409: the request conflicts with the object's current state."""


class RateLimitError(APIStatusError):
    """429 after every retry. ``retry_after`` is the server's hint in seconds, when it gave one."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx after every retry."""


class ResponseValidationError(EpicError):
    """A 2xx body that does not fit the expected model.

    ``messages`` holds cattrs' per-field messages (``"$.results[3].ports[0].id: missing"``-style), so
    a schema drift on the server is diagnosable from the exception alone.
    """

    def __init__(self, message: str, *, messages: list[str], body: Any = None) -> None:
        super().__init__(message)
        self.messages = messages
        self.body = body


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: RateLimitError,
}


def _summarise(body: Any) -> str:
    """A one-line digest of an error body: DRF's ``detail``, else the first field errors, else text."""
    if isinstance(body, Mapping):
        detail = body.get("detail")
        if isinstance(detail, str):
            return detail
        parts = []
        for field, messages in list(body.items())[:3]:
            if isinstance(messages, list) and messages and isinstance(messages[0], str):
                parts.append(f"{field}: {messages[0]}")
            else:
                parts.append(f"{field}: {messages!r}"[:80])
        return "; ".join(parts)
    text = body if isinstance(body, str) else repr(body)
    text = " ".join(text.split())
    return text[:_BODY_PREVIEW] + ("…" if len(text) > _BODY_PREVIEW else "")


def error_for_status(
    *,
    status: int,
    method: str,
    url: str,
    body: Any,
    request_id: str | None = None,
    retry_after: float | None = None,
) -> APIStatusError:
    """Build the exception for a non-2xx answer (a pure function: the transport raises it).

    >>> error_for_status(status=404, method="GET", url="https://x/charger/1/", body={"detail": "Not found."})
    NotFoundError('GET https://x/charger/1/ -> 404: Not found.')
    """
    cls = _STATUS_CLASSES.get(status) or (ServerError if status >= 500 else APIStatusError)
    summary = _summarise(body) if body not in (None, "", b"") else "(empty body)"
    message = f"{method} {url} -> {status}: {summary}"
    if request_id:
        message += f" [request id {request_id}]"
    kwargs: dict[str, Any] = {
        "status": status,
        "method": method,
        "url": url,
        "body": body,
        "request_id": request_id,
    }
    if cls is RateLimitError:
        return RateLimitError(message, retry_after=retry_after, **kwargs)
    return cls(message, **kwargs)
