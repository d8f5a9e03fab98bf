"""What a running simulator knows besides its data: knobs, counters, planned faults, its bucket.

These are touched by the server's event loop and, when the server runs in a thread, by the test's
thread too (``configure``, ``fail_next``, reading counters); the lock guards the multi-step
updates. Plain Python, no aiohttp.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from typing import Any

import attrs
from multidict import CIMultiDict

from ._variant import Variant

__all__ = ["FAULT_KINDS", "Knobs", "PlannedFault", "ServerCounters", "TokenBucket"]

FAULT_KINDS = frozenset(
    {
        "drop",  # close the connection before processing: nothing committed, no answer
        "commit_then_drop",  # process (commit a create), then close without answering
        "commit_then_hang",  # process, then wait `hang` seconds before answering
        "hang",  # wait `hang` seconds, then answer normally
        "garbage",  # 200 with a body that is not JSON
        "html",  # 502 with a proxy's HTML error page
        "truncated",  # 200 whose body stops before its Content-Length
        "empty_204",  # 204 with no body where JSON was due
        "no_count",  # a normal page without its "count"
        "redirect",  # 302 to another host
    }
)


@attrs.define(kw_only=True)
class Knobs:
    """Runtime behaviour, changeable with ``FakeEpicServer.configure(**knobs)``."""

    latency: float = 0.0
    rate: float | None = None
    burst: int = 10
    retry_after: float | None = None
    fault_rate: float = 0.0
    fault_statuses: tuple[int, ...] = (503,)
    default_limit: int = 100
    max_limit: int = 1000
    max_batch: int = 100
    oversize_status: int = 400
    bulk_item_delay: float = 0.0
    # How far from the documented shapes the server strays (records, errors, throttle); its
    # max_limit and burst, when set, take precedence over the knobs above.
    variant: Variant = attrs.field(factory=Variant)


@attrs.define
class PlannedFault:
    kind: int | str
    method: str | None
    path: str | None
    times: int
    retry_after: float | None
    body: Any
    hang: float

    def matches(self, method: str, target: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in target
        )


@attrs.define
class ServerCounters:
    """What the server saw. ``created_ids`` lists every id a bulk create made, in order: a
    duplicate in it would be a charger created twice."""

    requests: int = 0
    by_route: Counter[str] = attrs.field(factory=Counter)
    by_status: Counter[int] = attrs.field(factory=Counter)
    throttled: int = 0
    faults_injected: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    created_ids: list[str] = attrs.field(factory=list)
    # (method, path relative to the base, query, time.monotonic() at arrival)
    request_log: deque[tuple[str, str, dict[str, str], float]] = attrs.field(
        factory=lambda: deque(maxlen=200_000)
    )
    # The headers of the latest requests, the key left out (tests of headers a client adds);
    # looked up without case, as HTTP does (aiohttp's server spells "X-Correlation-ID").
    header_log: deque[CIMultiDict[str]] = attrs.field(factory=lambda: deque(maxlen=1_000))

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "by_route": dict(self.by_route),
            "by_status": {str(k): v for k, v in self.by_status.items()},
            "throttled": self.throttled,
            "faults_injected": self.faults_injected,
            "max_in_flight": self.max_in_flight,
            "created_ids_count": len(self.created_ids),
            "created_ids_unique": len(set(self.created_ids)),
        }


class TokenBucket:
    """The server's rate limit: ``rate`` tokens per second, at most ``burst`` banked, starts full."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._last = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0.0 when a token was taken; otherwise the seconds until one is available."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate
