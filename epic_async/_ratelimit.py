"""The client-wide rate limit: what the user states (:class:`RateLimit`) and the loop-bound
limiter that enforces it (:class:`RateLimiter`).

Every request of a client, retries included, takes one token before it is sent, so N tasks sharing
a client never exceed the rate together. Tokens come from a :class:`~epic_async._pacer.Pacer`
(locally) or from Redis (``shared=``), at the pacing of :func:`~epic_async._bucket.pacing`. With
``adaptive=True`` the rate follows :mod:`epic_async._adaptive`. How a 429 is handled depends on
what the rate is: a stated rate is right until the server says otherwise, so a 429 with
``Retry-After`` pauses every sender once (:meth:`RateLimiter.pause`); an adaptive rate was a guess,
so a 429 cuts it (once per overload, :meth:`RateLimiter.cut`) and only the refused request waits.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

import attrs

from ._adaptive import (
    AdaptiveConfig,
    AdaptiveState,
    burst_cap,
    cut,
    note_send,
    rate_at,
    start_state,
)
from ._bucket import RATE_MARGIN, pacing, window_rate
from ._pacer import Pacer
from ._redis_limiter import RedisLimiter

__all__ = ["RateLimit", "RateLimiter", "parse_rate"]

# DRF's SimpleRateThrottle.parse_rate reads only the first letter of the period.
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(text: str) -> tuple[int, int]:
    """DRF's rate strings: ``"600/min"`` → ``(600, 60)``; also ``/s``, ``/hour``, ``/day``.

    >>> parse_rate("1000/hour")
    (1000, 3600)
    """
    try:
        number, period = text.split("/")
        count, seconds = int(number), _PERIODS[period.strip()[0].lower()]
    except (AttributeError, ValueError, KeyError, IndexError):
        raise ValueError(
            f"RateLimit.parse: expected 'N/period' like '600/min', got {text!r}"
        ) from None
    if count < 1:
        raise ValueError(f"RateLimit.parse: {text!r} allows no request at all")
    return count, seconds


def _check_rate(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"RateLimit.{attribute.name} must be a number > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """Requests per second allowed for one client (``rate``), with bursts up to ``burst``.

    Set ``rate`` and ``burst`` to what your tenant's token bucket allows: the client paces a
    little under both (:func:`~epic_async._bucket.pacing`: 99 % of the rate, and 25 ms of it kept
    in reserve from the burst), so that bucket does not answer 429 (one 429 in 80,000 requests
    measured, docs/rate-limits.md; one that comes anyway is waited out). A tenant that
    states its limit the DRF way takes :meth:`parse` (``RateLimit.parse("600/min")``).

    When the limit is unknown, ``adaptive=True`` treats ``rate`` as a starting guess and finds
    the server's limit from its 429s, between ``min_rate`` and ``max_rate`` (docs/rate-limits.md).

    ``shared=RedisLimiter(url, key=...)`` makes every client with that key share one bucket, its
    429 pauses and its adaptive rate through Redis: the rate of a whole fleet of workers.

    >>> RateLimit(rate=50, burst=20)
    RateLimit(rate=50, burst=20, adaptive=False, min_rate=0.5, max_rate=None)
    """

    rate: float = attrs.field(default=10.0, validator=_check_rate)
    burst: int = attrs.field(default=10)
    adaptive: bool = False
    min_rate: float = attrs.field(default=0.5, validator=_check_rate)
    max_rate: float | None = attrs.field(default=None)
    shared: RedisLimiter | None = attrs.field(default=None, repr=False)

    @burst.validator
    def _check_burst(self, _attribute: object, value: int) -> None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"RateLimit.burst must be an int >= 1, got {value!r}")

    @max_rate.validator
    def _check_max(self, _attribute: object, value: float | None) -> None:
        if value is not None and not value >= self.rate:
            raise ValueError(f"RateLimit.max_rate must be >= rate ({self.rate}), got {value!r}")

    @classmethod
    def parse(cls, text: str, *, shared: RedisLimiter | None = None) -> RateLimit:
        """Pacing for a DRF throttle rate: ``"600/min"``, ``"20/s"``, ``"1000/hour"``, ``"/day"``.

        DRF's ``SimpleRateThrottle`` allows N requests in any sliding window of the period. The
        client sends them one at a time (burst 1), evenly, at
        :func:`~epic_async._bucket.window_rate`, so that from an empty window the throttle never
        refuses one, and reaches 97-99 % of N per period (docs/rate-limits.md).

        >>> limit = RateLimit.parse("600/min")
        >>> round(limit.rate, 3), limit.burst, limit.adaptive
        (9.997, 1, False)
        """
        count, period = parse_rate(text)
        rate = window_rate(count, period)
        return cls(rate=rate, burst=1, min_rate=min(0.5, rate), shared=shared)


Sleep = Callable[[float], Awaitable[None]]


class RateLimiter:
    """One client's limiter: a pause gate in front of a token bucket. Loop-bound.

    ``sleep`` waits out shared 429 pauses (tests inject a recorder: a pause is then waited once per
    distinct pause, never spun on). ``clock`` runs the bucket on virtual time: given one, the
    bucket's pacing sleeps through ``sleep`` too, so a test's sleep that advances the clock (and a
    server's throttle clock) makes minutes of pacing pass at once.
    """

    def __init__(
        self,
        config: RateLimit,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        self._config = config
        self._sleep = sleep
        self._clock = clock or loop.time
        self._resume_at = 0.0
        self._trimmed_for = 0.0
        rate, burst = pacing(config.rate, config.burst)
        self._adaptive_cfg = AdaptiveConfig(
            start_rate=config.rate,
            min_rate=config.min_rate,
            max_rate=config.max_rate if config.max_rate is not None else math.inf,
        )
        now = self._clock()
        self._state = start_state(self._adaptive_cfg, now=now) if config.adaptive else None
        self._shared = config.shared.bucket(config) if config.shared is not None else None
        self._pacer_burst = burst
        self._pacer = Pacer(
            burst=self._adaptive_burst if self._state is not None else burst,
            rate=self._adaptive_pace if self._state is not None else (lambda _now: rate),
            clock=clock,
            sleep=sleep if clock is not None else asyncio.sleep,
        )

    def _adaptive_burst(self, now: float) -> int:
        assert self._state is not None
        return burst_cap(self._state, self._adaptive_cfg, self._pacer_burst, now=now)

    def _adaptive_pace(self, now: float) -> float:
        assert self._state is not None
        return rate_at(self._state, self._adaptive_cfg, now=now) * (1.0 - RATE_MARGIN)

    @property
    def adaptive(self) -> bool:
        return self._config.adaptive

    @property
    def rate(self) -> float:
        """The rate in force now (it changes only in adaptive mode)."""
        if self._shared is not None:
            return self._shared.rate
        if self._state is not None:
            return rate_at(self._state, self._adaptive_cfg, now=self._clock())
        return self._config.rate

    @property
    def paused(self) -> bool:
        """True while a 429's shared pause holds every sender (acquire() waits it out)."""
        return self._resume_at > self._clock()

    @property
    def state(self) -> AdaptiveState | None:
        """The adaptive state (local) for tests and debugging; ``None`` for a stated rate."""
        return self._state

    async def acquire(self) -> int:
        """Wait out any shared pause, then take one token; return the request's ticket.

        The ticket is the number of adaptive cuts so far (0 for a stated rate): hand it to
        :meth:`cut` if the request meets a 429.
        """
        if self._resume_at > self._clock():
            await self._wait_out_pause()
        if self._shared is not None:
            return await self._shared.acquire()
        waiter = self._pacer.take()
        if waiter is not None:
            await waiter
        if self._state is None:
            return 0
        return note_send(self._state, self._adaptive_cfg, now=self._clock())

    async def _wait_out_pause(self) -> None:
        waited_for = 0.0
        while True:
            target = self._resume_at
            delay = target - self._clock()
            # Sleep once per distinct pause: a pause extended while we slept is waited again, but an
            # injected test sleep that does not advance the clock cannot spin us forever.
            if delay <= 0 or target == waited_for:
                break
            await self._sleep(delay)
            waited_for = target
        if waited_for and waited_for != self._trimmed_for:
            # The server said when it takes one request again: one, not a burst banked meanwhile.
            self._trimmed_for = waited_for
            self._pacer.trim()

    def pause(self, seconds: float) -> bool:
        """Hold every sender for ``seconds`` (a stated rate met a 429 with ``Retry-After``).

        True when this starts a new pause, False when it only extends or overlaps one.
        """
        now = self._clock()
        new_pause = self._resume_at <= now
        self._resume_at = max(self._resume_at, now + seconds)
        if self._shared is not None:
            self._shared.pause(seconds)  # every other worker pauses too
        return new_pause

    def cut(self, ticket: int) -> bool:
        """An adaptive rate met a 429 on the request holding ``ticket``: cut the rate if this is a
        new overload (its request left after the last cut). True when it cut (locally; a shared
        rate is cut in Redis, asynchronously, and this returns False)."""
        if self._shared is not None:
            self._shared.cut(ticket)
            return False
        if self._state is None or not cut(
            self._state, self._adaptive_cfg, ticket, now=self._clock()
        ):
            return False
        self._pacer.trim()  # no burst after a cut: the server's bucket is empty
        return True

    async def aclose(self) -> None:
        await self._pacer.aclose()
        if self._shared is not None:
            await self._shared.aclose()
