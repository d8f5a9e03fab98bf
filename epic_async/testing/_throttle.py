"""DRF's sliding-window throttle and the forms of ``Retry-After``, for the simulator's 429s.

``DrfWindow`` imitates ``rest_framework.throttling.SimpleRateThrottle``: a history of request
times per key, at most N of them in any window of the period; a throttled request is not recorded,
and its wait is the time until the oldest recorded request leaves the window (DRF sends it rounded
up to whole seconds). Its clock is injectable, so tests can move time instead of sleeping.
Plain Python, no aiohttp.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from email.utils import formatdate

from ._variant import RetryAfterForm

__all__ = ["ROTATION", "DrfWindow", "decimal_seconds", "retry_after_value", "throttled_detail"]

# What Retry-After="rotate" cycles through, one 429 after another.
ROTATION: tuple[RetryAfterForm, ...] = ("seconds", "http_date", "absent")


class DrfWindow:
    """At most ``num_requests`` per key in any ``duration``-second window (DRF's throttle)."""

    def __init__(
        self, num_requests: int, duration: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.num_requests = num_requests
        self.duration = duration
        self._clock = clock
        self._history: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        """0.0 when the request may pass (it is then recorded); otherwise the seconds until the
        oldest recorded request leaves the window (always > 0)."""
        with self._lock:
            now = self._clock()
            history = self._history.setdefault(key, deque())
            while history and history[0] <= now - self.duration:
                history.popleft()
            if len(history) >= self.num_requests:
                return self.duration - (now - history[0])
            history.append(now)
            return 0.0


def decimal_seconds(value: float) -> str:
    """``0.25`` → ``"0.25"``, ``3.0`` → ``"3"``: the simulator's documented Retry-After."""
    return f"{max(value, 0.001):.3f}".rstrip("0").rstrip(".")


def throttled_detail(wait: float) -> str:
    """DRF's ``Throttled`` detail: the wait rounded up, singular for one second."""
    whole = math.ceil(wait)
    unit = "second" if whole == 1 else "seconds"
    return f"Request was throttled. Expected available in {whole} {unit}."


def retry_after_value(
    form: RetryAfterForm, seconds: float, *, turn: int = 0, now: float | None = None
) -> str | None:
    """The ``Retry-After`` header for a wait of ``seconds`` in ``form``; ``None`` to send none.

    ``computed`` is the decimal seconds (``"0.2"``); ``seconds`` whole seconds rounded up, as DRF
    sends them (``'%d' % ceil(wait)``); ``http_date`` the IMF-fixdate at which the wait is over
    (rounded up to the second, so never early); ``rotate`` takes ``ROTATION[turn % 3]``.
    """
    if form == "rotate":
        form = ROTATION[turn % len(ROTATION)]
    if form == "absent":
        return None
    if form == "computed":
        return decimal_seconds(seconds)
    if form == "seconds":
        return str(max(1, math.ceil(seconds)))
    moment = (time.time() if now is None else now) + max(seconds, 0.0)
    return formatdate(math.ceil(moment), usegmt=True)
