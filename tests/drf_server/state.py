"""What one running server knows besides its database: keys, throttle rate and clock, request log.

No Django import here: the views and the :class:`~tests.drf_server.server.DrfServer` both hold a
:class:`ServerState`, so each server's views read its own keys and throttle, not module globals.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

__all__ = ["ApiKey", "LoggedRequest", "ServerState", "ThrottleClock"]


@dataclass(frozen=True)
class ApiKey:
    """A key and its scopes: ``"read"`` for GET, ``"write"`` for POST; ``throttled`` ones are the
    only keys the rate throttle counts."""

    key: str
    scopes: frozenset[str]
    throttled: bool = False

    @property
    def is_authenticated(self) -> bool:
        # DRF treats ``request.user`` as a user object; the key plays that part.
        return True


class ThrottleClock:
    """The throttle's time: the real clock plus an offset that tests may advance.

    DRF's ``SimpleRateThrottle`` reads its ``timer``; advancing this clock by the ``Retry-After``
    a test's sleep was asked to wait makes the throttle see that time pass, without waiting it.
    """

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


@dataclass(frozen=True)
class LoggedRequest:
    """One request as the server answered it."""

    method: str
    path: str
    query: str
    status: int
    retry_after: str | None


@dataclass
class ServerState:
    """Per-server configuration read by the views, and the log they write."""

    keys: dict[str, ApiKey]
    throttle_rate: str
    clock: ThrottleClock = field(default_factory=ThrottleClock)
    requests: list[LoggedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def log(self, entry: LoggedRequest) -> None:
        with self.lock:
            self.requests.append(entry)
