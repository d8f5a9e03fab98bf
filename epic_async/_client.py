"""``EpicClient``: configuration, lifecycle and the resource accessors."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Self

from ._config import Timeouts, check_headers, resolve_config
from ._metrics import ClientMetrics
from ._ratelimit import RateLimit
from ._retry import RetryPolicy
from ._tracing import client_tracing
from ._transport import SharedState, Transport
from .resources.charger_ports import ChargerPorts
from .resources.chargers import Chargers
from .resources.locations import Locations
from .resources.reports import Reports
from .resources.users import Users

if TYPE_CHECKING:
    import aiohttp
    from opentelemetry.trace import TracerProvider

__all__ = ["EpicClient"]

_DEFAULT_MAX_CONNECTIONS = 64


def _check_settings(*, retry: object, timeouts: object) -> None:
    """The settings a client and each of its ``with_options()`` copies send with."""
    for name, value, kind in (("retry", retry, RetryPolicy), ("timeouts", timeouts, Timeouts)):
        if not isinstance(value, kind):
            raise TypeError(f"{name} must be a {kind.__name__}, got {value!r}")


class EpicClient:
    """The asyncio client of the Epic-Charging external API.

    One client holds one connection pool and one rate limit shared by every request it sends, so
    create it once per service (per event loop) and share it between tasks.

    Arguments (keyword-only):

    - ``api_key``: the tenant's key, sent as ``Token-Authorization``; default ``$EPIC_API_KEY``.
    - ``tenant`` (→ ``https://{tenant}.epiccharging.com/api/external/v1/``) or ``base_url``
      (exactly one; defaults ``$EPIC_TENANT`` / ``$EPIC_BASE_URL``).
    - ``rate_limit``: a :class:`RateLimit` (default 10 req/s, burst 10), or ``None`` for none.
    - ``retry``: a :class:`RetryPolicy`; ``timeouts``: :class:`Timeouts`.
    - ``max_connections``: size of the connection pool (default 64).
    - ``session``: an ``aiohttp.ClientSession`` to borrow; the client never closes it.
    - ``paths``: overrides of the path table (``epic_async.DEFAULT_PATHS``), for tenants that serve
      an INFERRED path elsewhere.
    - ``auth_prefix``: text before the key in the header (the API takes the raw key: default none).
    - ``allow_insecure_http``: allow ``http://`` to a non-loopback host (the key would travel in clear).
    - ``strict``: raise :class:`ResponseValidationError` when an answer does not fit its model
      (every offending field path listed), instead of the default tolerant read that keeps what
      did not fit in the model's ``extra`` and logs one warning per field. For CI runs against a
      staging tenant, to catch API drift early.
    - ``tracer_provider``: the OpenTelemetry ``TracerProvider`` for the client's spans (one per
      public call, one per HTTP attempt under it); default the global one. Needs the ``otel``
      extra; without it, or with no provider configured, nothing is traced and nothing is paid.
    - ``tracing``: ``False`` turns spans and the ``traceparent`` header off for this client.
    - ``propagate_trace``: ``False`` keeps spans but sends no ``traceparent`` to the API.

    >>> async with EpicClient() as client:  # the key and tenant from $EPIC_API_KEY, $EPIC_TENANT
    ...     [charger] = await client.chargers.list(max_items=1).collect()
    ...     detail = await client.chargers.get(charger.id)
    >>> detail.charger_point_id, client.closed
    ('EPC-...', True)
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
        if rate_limit is not None and not isinstance(rate_limit, RateLimit):
            raise TypeError(f"rate_limit must be a RateLimit or None, got {rate_limit!r}")
        _check_settings(retry=retry, timeouts=timeouts)
        for name, flag in (
            ("strict", strict),
            ("tracing", tracing),
            ("propagate_trace", propagate_trace),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"{name} must be True or False, got {flag!r}")
        if tracer_provider is not None and not callable(
            getattr(tracer_provider, "get_tracer", None)
        ):
            raise TypeError(
                f"tracer_provider must be an OpenTelemetry TracerProvider, got {tracer_provider!r}"
            )
        if max_connections is not None and (
            isinstance(max_connections, bool)
            or not isinstance(max_connections, int)
            or max_connections < 1
        ):
            raise ValueError(
                f"max_connections must be None or an int >= 1, got {max_connections!r}"
            )
        config = resolve_config(
            api_key=api_key,
            tenant=tenant,
            base_url=base_url,
            paths=paths,
            allow_insecure_http=allow_insecure_http,
        )
        shared = SharedState(
            config=config,
            rate_limit=rate_limit,
            max_connections=max_connections or _DEFAULT_MAX_CONNECTIONS,
            session=session,
            auth_prefix=auth_prefix,
            strict=strict,
            tracing=client_tracing(
                enabled=tracing, provider=tracer_provider, propagate=propagate_trace
            ),
        )
        self._transport = Transport(shared, retry=retry, timeouts=timeouts)
        self._owner = True  # closing is this client's job, not its with_options() copies'

    @classmethod
    def _from_transport(cls, transport: Transport) -> Self:
        client = cls.__new__(cls)
        client._transport = transport
        client._owner = False
        return client

    def with_options(
        self,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy with another retry policy, timeouts or extra request headers, sharing this
        client's connection pool, rate limit and metrics (closing either closes both).

        ``headers`` are added to every request of the copy, on top of any this client already
        adds (a correlation id, a gateway's routing header). The headers the SDK sets itself
        (``Token-Authorization``, ``User-Agent``, ``Accept``, ``Accept-Language``,
        ``Content-Type``, ``traceparent``...) are refused with a ``ValueError``, before any
        request. For proxies, TLS settings or aiohttp ``trace_configs``, pass your own
        ``aiohttp.ClientSession`` as ``session=`` instead.

        >>> patient = client.with_options(retry=RetryPolicy(max_attempts=8))
        >>> tagged = client.with_options(headers={"X-Correlation-Id": "nightly-import"})
        """
        current = self._transport
        retry = current.retry if retry is None else retry
        timeouts = current.timeouts if timeouts is None else timeouts
        _check_settings(retry=retry, timeouts=timeouts)
        transport = Transport(
            current.shared,
            retry=retry,
            timeouts=timeouts,
            extra_headers={**current.extra_headers, **check_headers(headers or {})},
        )
        return self._from_transport(transport)

    @property
    def base_url(self) -> str:
        return self._transport.shared.config.base_url

    @property
    def metrics(self) -> ClientMetrics:
        """What this client has done so far (requests, retries, 429s, records...)."""
        return self._transport.shared.metrics

    @property
    def closed(self) -> bool:
        return self._transport.shared.closed

    @cached_property
    def chargers(self) -> Chargers:
        """Chargers: list, get, get_many."""
        return Chargers(self._transport)

    @cached_property
    def charger_ports(self) -> ChargerPorts:
        """Charger ports: list, get, update, reserve, cancel_reservation, start, stop."""
        return ChargerPorts(self._transport)

    @cached_property
    def locations(self) -> Locations:
        """Locations: list, get, get_many."""
        return Locations(self._transport)

    @cached_property
    def users(self) -> Users:
        """Users: list, get, get_many."""
        return Users(self._transport)

    @cached_property
    def reports(self) -> Reports:
        """Reports: charger_status, chargers, charging_sessions, faults, transactions."""
        return Reports(self._transport)

    async def aclose(self) -> None:
        """Close the connection pool (unless borrowed). Idempotent; the client is unusable after."""
        await self._transport.shared.aclose()

    async def __aenter__(self) -> Self:
        if self.closed:
            raise RuntimeError(
                "this EpicClient is closed and cannot be re-entered; create a new client"
            )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"EpicClient(base_url={self.base_url!r}{', closed' if self.closed else ''})"

    def __del__(self) -> None:
        # Only a client that opened a connection pool of its own, and never closed it, warns:
        # aiohttp's "Unclosed client session" alone does not say what to do.
        shared = getattr(getattr(self, "_transport", None), "shared", None)
        if getattr(self, "_owner", False) and shared is not None and shared.owns_open_session:
            warnings.warn(
                f"unclosed {self!r}: call `await client.aclose()` when done, or use "
                "`async with EpicClient(...) as client:`",
                ResourceWarning,
                stacklevel=2,
            )
