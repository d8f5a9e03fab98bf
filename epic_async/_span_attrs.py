"""What the SDK's spans say, as pure functions: names, URLs with the query redacted, error types.

No OpenTelemetry import here: :mod:`epic_async._otel` asks these functions what to write, so the
decisions (what is redacted, how an error is named, what a result counts) are testable without an
SDK, a span or a server.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

from ._bulk_result import BulkResult

__all__ = [
    "KEPT_QUERY",
    "REDACTED",
    "call_span_name",
    "error_type",
    "redact_url",
    "result_attributes",
    "server_of",
]

#: Query parameters whose values stay in ``url.full``: paging only. Every other value is a filter
#: that may be personal (reconcile looks users up by e-mail; ``search`` is free text).
KEPT_QUERY: Final = frozenset({"limit", "offset"})
#: What stands for a redacted value, as OpenTelemetry's HTTP conventions spell it.
REDACTED: Final = "REDACTED"
_DEFAULT_PORTS: Final = {"https": 443, "http": 80}


def call_span_name(resource: str, method: str) -> str:
    """The name of a public call's span.

    >>> call_span_name("reports", "charging_sessions")
    'epic_async reports.charging_sessions'
    """
    return f"epic_async {resource}.{method}"


def redact_url(url: str, params: Mapping[str, str] | None = None) -> str:
    """``url.full`` of a request: the URL as sent (``params`` appended to its query), without
    credentials, every query value but ``limit`` and ``offset`` replaced by ``REDACTED``.

    >>> redact_url("https://me:pw@x.test/v1/user/?email=a%40b.example&limit=100", {"offset": "200"})
    'https://x.test/v1/user/?email=REDACTED&limit=100&offset=200'
    >>> redact_url("http://127.0.0.1:8080/v1/charger/42/")
    'http://127.0.0.1:8080/v1/charger/42/'
    """
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if params:
        pairs.extend(params.items())
    query = "&".join(
        f"{quote(name, safe='')}={quote(value, safe='') if name in KEPT_QUERY else REDACTED}"
        for name, value in pairs
    )
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host  # an IPv6 literal keeps its brackets
    if parts.port is not None:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def server_of(url: str) -> tuple[str, int]:
    """``server.address`` and ``server.port`` of a URL (the scheme's port when none is given).

    >>> server_of("https://demo.epiccharging.com/api/external/v1/charger/")
    ('demo.epiccharging.com', 443)
    """
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or _DEFAULT_PORTS.get(parts.scheme, 0)


def error_type(exc: BaseException) -> str:
    """``error.type`` of an exception: its class, fully qualified; the SDK's own errors by their
    public name (``epic_async.NotFoundError``, not the private module they live in).

    >>> error_type(TimeoutError()), error_type(KeyError("k"))
    ('TimeoutError', 'KeyError')
    >>> from epic_async import NotFoundError
    >>> error_type(NotFoundError("GET x -> 404", status=404, method="GET", url="x"))
    'epic_async.NotFoundError'
    """
    cls = type(exc)
    module = cls.__module__
    if module == "builtins":
        return cls.__qualname__
    if module.split(".")[0] == "epic_async":
        return f"epic_async.{cls.__qualname__}"
    return f"{module}.{cls.__qualname__}"


def result_attributes(result: Any) -> dict[str, int]:
    """What a call's result adds to its span: the rows of a bulk create, the records of a
    ``get_many`` (the ids found); nothing for other results.

    >>> result_attributes([object(), None, object()])
    {'epic_async.records': 2}
    """
    if isinstance(result, BulkResult):
        return {
            "epic_async.rows.created": len(result.created_indexes),
            "epic_async.rows.failed": len(result.failed),
            "epic_async.rows.unknown": len(result.unknown),
        }
    if isinstance(result, list):
        return {"epic_async.records": sum(item is not None for item in result)}
    return {}
