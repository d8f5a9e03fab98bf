"""The token bucket as arithmetic, and the pacing margin. Pure functions: no clock, no I/O.

One bucket, two homes: :class:`~epic_async._pacer.Pacer` runs it for one event loop, and the Lua
script of :mod:`epic_async._redis_scripts` runs the same lines for a fleet sharing Redis. The state
is a token ``level`` (at most ``burst``; below zero when Redis has promised tokens ahead) and the
time ``at`` it was last brought up to date. Time before ``at`` does not refill: setting ``at`` in
the future is how a shared 429 pause holds the bucket.

>>> refill(0.0, at=10.0, now=10.5, rate=4.0, burst=5)
(2.0, 10.5)
>>> reserve(0.0, at=10.0, now=10.0, rate=4.0, burst=5)  # empty: the token is 0.25 s away
(0.25, -1.0, 10.0)
"""

from __future__ import annotations

import math

__all__ = [
    "BURST_RESERVE",
    "RATE_MARGIN",
    "TIMER_GRANULARITY",
    "WINDOW_ALLOWANCE",
    "pacing",
    "refill",
    "reserve",
    "window_rate",
]

#: The client paces at this share under the rate it is given (measured: docs/rate-limits.md).
#: Over a run the server then banks ``RATE_MARGIN * rate`` tokens a second, up to its burst, which
#: absorb the requests that a busy event loop or a new connection delays and the next ones then
#: catch up.
RATE_MARGIN = 0.01

#: Seconds of arrival jitter the burst keeps in reserve: ``ceil(rate * BURST_RESERVE)`` tokens
#: (so at least one), but never more than half the burst: the rest is what the client's own timer
#: needs to keep the rate when its event loop is busy (at rates whose jitter half the burst cannot
#: cover, no margin can promise anything anyway). Until the rate margin has banked slack on the
#: server, a request that reaches it sooner after the one before than it left (the one before
#: opened a connection, or waited for a busy event loop or a descheduled process) finds the
#: server's bucket as empty as the client's; the reserve is the slack for it. (15 ms, at most a
#: third, met one 429 in 3,000 requests from 3 processes sharing Redis at 200/s burst 10: a
#: worker process descheduled for longer, six processes sharing two cores.)
BURST_RESERVE = 0.025

#: Seconds between two wake-ups of a pacing timer, at best: asyncio's epoll selector rounds a
#: timeout up to whole milliseconds, and the kernel adds its slack (measured on this project's
#: 2-core machine: a 0.2 ms ``call_at`` fires after 1.11-1.13 ms). The paced burst keeps at least
#: this many seconds of the rate out of the reserve: a bucket that may bank fewer
#: tokens than fall due between two wake-ups cannot keep its rate (told 5,000/s burst 10, with
#: half the burst in reserve, it reached 0.83 of the rate).
TIMER_GRANULARITY = 0.0015

#: Seconds added to a sliding window's period (``RateLimit.parse``): request ``k + N`` may reach
#: the server this much earlier, relative to request ``k``, than it was sent, and still pass.
WINDOW_ALLOWANCE = 0.02


def pacing(rate: float, burst: int) -> tuple[float, int]:
    """The rate and burst the client paces at when told a server's ``rate`` and ``burst``.

    >>> pacing(40.0, 5)
    (39.6, 4)
    >>> pacing(200.0, 10)
    (198.0, 5)
    >>> pacing(10.0, 1)  # nothing to keep in reserve
    (9.9, 1)
    >>> pacing(5000.0, 10)  # 1.5 ms of 5,000/s is 8 tokens: only 2 left for the reserve
    (4950.0, 8)
    """
    timer_tokens = math.ceil(rate * TIMER_GRANULARITY - 1e-9)
    reserve_tokens = max(
        0, min(math.ceil(rate * BURST_RESERVE - 1e-9), burst // 2, burst - timer_tokens)
    )
    return rate * (1.0 - RATE_MARGIN), burst - reserve_tokens


def window_rate(count: int, period: float) -> float:
    """A steady rate that never puts more than ``count`` requests in any ``period`` at the server.

    Paced one at a time (burst 1), request ``k + count`` leaves ``count / rate`` after request
    ``k``; with ``rate = count / (period + WINDOW_ALLOWANCE)`` that is the whole period plus the
    jitter allowance, so DRF's ``SimpleRateThrottle`` has always let request ``k`` go by then.

    >>> round(window_rate(600, 60.0), 4)
    9.9967
    """
    return count / (period + WINDOW_ALLOWANCE)


def refill(level: float, at: float, now: float, rate: float, burst: int) -> tuple[float, float]:
    """``(level, at)`` brought up to ``now``: ``rate`` tokens a second since ``at``, capped at
    ``burst``. Nothing changes while ``now`` is before ``at`` (a pause)."""
    if now <= at:
        return level, at
    return min(float(burst), level + (now - at) * rate), now


def reserve(
    level: float, at: float, now: float, rate: float, burst: int
) -> tuple[float, float, float]:
    """Take one token, now or ahead of time: ``(wait, level, at)``.

    The token is the caller's after ``wait`` seconds: the rest of a pause, plus the time the bucket
    needs to refill what earlier reservations already took. Redis answers every acquire this way
    in one round trip; the local :class:`~epic_async._pacer.Pacer` takes tokens only when they
    are there instead, so that a cancelled waiter costs nothing.
    """
    level, at = refill(level, at, now, rate, burst)
    level -= 1.0
    wait = max(0.0, at - now) + max(0.0, -level) / rate
    return wait, level, at
