"""Client settings: timeouts, the path table, and the pure resolution of key/tenant/base URL.

Everything here is a decision without I/O, so misconfiguration fails at construction time with a
message that names the argument, never at the first request.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from typing import Final
from urllib.parse import urlsplit

import attrs

__all__ = [
    "DEFAULT_PATHS",
    "INFERRED_PATHS",
    "ApiKey",
    "ResolvedConfig",
    "Timeouts",
    "check_headers",
    "require_positive_ints",
    "resolve_config",
    "resolve_paths",
]

#: Every path the SDK calls, relative to the base URL. One table, so a tenant that serves a path
#: differently (docs/api-contract.md marks several as INFERRED) is fixed with ``EpicClient(paths={...})``.
DEFAULT_PATHS: Final[Mapping[str, str]] = {
    "chargers.list": "charger/",
    "chargers.get": "charger/{id}/",
    "chargers.create": "chargers",
    "charger_ports.list": "charger-port/",
    "charger_ports.get": "charger-port/{id}/",
    "charger_ports.update": "charger-port/{id}/",
    "charger_ports.reserve": "charger-port/{id}/reserve/",
    "charger_ports.cancel_reservation": "charger-port/{id}/cancel-reservation/",
    "charger_ports.start": "charger-port/{id}/start/",
    "charger_ports.stop": "charger-port/{id}/stop/",
    "locations.list": "location/",
    "locations.get": "location/{id}/",
    "locations.create": "locations",
    "users.list": "user/",
    "users.get": "user/{id}/",
    "users.create": "users",
    "reports.charger_status": "report/charger-status/",
    "reports.chargers": "report/charger/",
    "reports.charging_sessions": "report/charging-session/",
    "reports.faults": "report/fault/",
    "reports.transactions": "report/transaction/",
}

#: Paths no public source confirms (docs/api-contract.md tags them INFERRED); override them if a tenant differs.
INFERRED_PATHS: Final[frozenset[str]] = frozenset(
    {
        "charger_ports.reserve",
        "charger_ports.cancel_reservation",
        "charger_ports.start",
        "charger_ports.stop",
        "locations.list",
        "locations.get",
        "users.list",
        "users.get",
        "reports.chargers",
        "reports.charging_sessions",
        "reports.faults",
        "reports.transactions",
    }
)

#: Headers the SDK sets itself: the key, what it accepts and sends (its error recognition reads
#: DRF's English messages), who it is, and the trace context. Overriding one would break a
#: guarantee, so ``with_options(headers=...)`` refuses them (compared without case, as HTTP does).
SDK_HEADERS: Final[frozenset[str]] = frozenset(
    {
        "token-authorization",
        "user-agent",
        "accept",
        "accept-language",
        "content-type",
        "content-length",
        "host",
        "traceparent",
        "tracestate",
    }
)
# RFC 9110 field names are tokens; values may not hold CR, LF or NUL (header injection).
_HEADER_NAME_RE = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
_HEADER_VALUE_BAD = re.compile(r"[\r\n\x00]")

_TENANT_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def _positive_or_none(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value is not None and (
        isinstance(value, bool) or not isinstance(value, int | float) or not value > 0
    ):
        raise ValueError(
            f"Timeouts.{attribute.name} must be a positive number of seconds or None, got {value!r}"
        )


@attrs.frozen(kw_only=True)
class Timeouts:
    """Per-request time limits in seconds (``None`` = no limit).

    ``connect`` bounds opening a TCP/TLS connection, ``read`` the silence between two chunks of the
    answer, ``total`` one attempt end to end (each retry gets a fresh budget). Waiting for the rate
    limiter is never counted: a throttled request is not a slow one.

    >>> Timeouts(total=10.0)
    Timeouts(connect=10.0, read=30.0, total=10.0)
    """

    connect: float | None = attrs.field(default=10.0, validator=_positive_or_none)
    read: float | None = attrs.field(default=30.0, validator=_positive_or_none)
    total: float | None = attrs.field(default=60.0, validator=_positive_or_none)


class ApiKey:
    """The API key, wrapped so that no repr, log line or traceback local can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The raw key: called in exactly one place, where the header is built."""
        return self._value

    def __repr__(self) -> str:
        return "ApiKey('***')"

    __str__ = __repr__


@attrs.frozen(kw_only=True)
class ResolvedConfig:
    """What the client runs with once arguments and environment are merged and checked."""

    base_url: str
    api_key: ApiKey
    paths: Mapping[str, str]


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_base_url(base_url: str, *, allow_insecure_http: bool) -> str:
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"base_url must be an absolute http(s) URL, got {base_url!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"base_url must not carry a query or fragment, got {base_url!r}")
    if parts.scheme == "http" and not _is_loopback(parts.hostname) and not allow_insecure_http:
        raise ValueError(
            f"base_url {base_url!r} is plain http to a non-loopback host: the API key would travel "
            "unencrypted. Use https, or pass allow_insecure_http=True if you really mean it."
        )
    return base_url if base_url.endswith("/") else base_url + "/"


def require_positive_ints(*named: tuple[str, object]) -> None:
    """Refuse any ``(name, value)`` whose value is not an int >= 1 (``True`` is not a count).

    >>> require_positive_ints(("page_size", 100), ("concurrency", 0))
    Traceback (most recent call last):
    ...
    ValueError: concurrency must be an int >= 1, got 0
    """
    for name, value in named:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be an int >= 1, got {value!r}")


def check_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The extra request headers of ``with_options(headers=...)``, checked before any request.

    >>> check_headers({"X-Correlation-Id": "job-42"})
    {'X-Correlation-Id': 'job-42'}
    >>> check_headers({"user-agent": "mine"})
    Traceback (most recent call last):
    ...
    ValueError: headers: 'user-agent' is set by the SDK and cannot be replaced (it owns Accept, Accept-Language, Content-Length, Content-Type, Host, Token-Authorization, Traceparent, Tracestate, User-Agent)
    """
    if not isinstance(headers, Mapping):
        raise TypeError(f"headers must be a mapping of str to str, got {headers!r}")
    checked: dict[str, str] = {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME_RE.match(name):
            raise ValueError(f"headers: {name!r} is not a valid header name")
        if name.lower() in SDK_HEADERS:
            owned = ", ".join(sorted(n.title() for n in SDK_HEADERS))
            raise ValueError(
                f"headers: {name!r} is set by the SDK and cannot be replaced (it owns {owned})"
            )
        if not isinstance(value, str) or _HEADER_VALUE_BAD.search(value):
            raise ValueError(
                f"headers: the value of {name!r} must be a str without line breaks, got {value!r}"
            )
        checked[name] = value
    return checked


def resolve_paths(overrides: Mapping[str, str] | None) -> Mapping[str, str]:
    """Merge ``paths=`` overrides into the default table, rejecting unknown names."""
    if not overrides:
        return DEFAULT_PATHS
    unknown = sorted(set(overrides) - set(DEFAULT_PATHS))
    if unknown:
        raise ValueError(
            f"paths: unknown endpoint name(s) {unknown}; valid names: {sorted(DEFAULT_PATHS)}"
        )
    for name, path in overrides.items():
        if not isinstance(path, str) or not path.strip() or path.startswith(("/", "http")):
            raise ValueError(
                f"paths[{name!r}] must be a path relative to the base URL "
                f"(like {DEFAULT_PATHS[name]!r}), got {path!r}"
            )
        if ("{id}" in DEFAULT_PATHS[name]) != ("{id}" in path):
            raise ValueError(
                f"paths[{name!r}] must {'' if '{id}' in DEFAULT_PATHS[name] else 'not '}contain '{{id}}', got {path!r}"
            )
    return {**DEFAULT_PATHS, **overrides}


def resolve_config(
    *,
    api_key: str | None,
    tenant: str | None,
    base_url: str | None,
    paths: Mapping[str, str] | None,
    allow_insecure_http: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ResolvedConfig:
    """Merge arguments with ``EPIC_API_KEY`` / ``EPIC_TENANT`` / ``EPIC_BASE_URL`` and validate.

    Arguments win over the environment. Exactly one of tenant and base URL must be known.
    """
    env = os.environ if environ is None else environ
    key = api_key if api_key is not None else env.get("EPIC_API_KEY")
    if key is None:
        raise ValueError("api_key is missing: pass api_key=... or set EPIC_API_KEY")
    if not isinstance(key, str) or not key.strip() or key != key.strip():
        raise ValueError("api_key must be a non-empty string without surrounding whitespace")
    if tenant is not None and base_url is not None:
        raise ValueError(
            f"pass tenant= or base_url=, not both (got tenant={tenant!r}, base_url={base_url!r})"
        )
    if tenant is None and base_url is None:
        tenant, base_url = env.get("EPIC_TENANT") or None, env.get("EPIC_BASE_URL") or None
        if tenant is not None and base_url is not None:
            raise ValueError("both EPIC_TENANT and EPIC_BASE_URL are set: keep one")
        if tenant is None and base_url is None:
            raise ValueError(
                "no API location: pass tenant='demo' or base_url='https://...', "
                "or set EPIC_TENANT or EPIC_BASE_URL"
            )
    if tenant is not None:
        if not _TENANT_RE.match(tenant):
            raise ValueError(f"tenant must be a DNS label like 'demo', got {tenant!r}")
        url = f"https://{tenant}.epiccharging.com/api/external/v1/"
    else:
        assert base_url is not None
        url = _check_base_url(base_url, allow_insecure_http=allow_insecure_http)
    return ResolvedConfig(base_url=url, api_key=ApiKey(key), paths=resolve_paths(paths))
