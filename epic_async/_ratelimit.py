"""The client-wide rate limit: a token bucket, one shared 429 pause, and an optional adaptive rate.

Every request of a client, retries included, takes one token here before it is sent, so N tasks
sharing a client never exceed the configured rate together. On a 429 the transport calls
:meth:`RateLimiter.pause`: every sender waits for the same ``Retry-After`` (one pause, not one per
task). With ``adaptive=True`` the rate also drops multiplicatively on each 429 and probes back up,
following the CUBIC scheme of botocore's adaptive retry mode (:class:`CubicRate`, pure and
unit-tested).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

import attrs
from aiolimiter import AsyncLimiter

from ._redis_limiter import RedisLimiter

__all__ = ["CubicRate", "RateLimit", "RateLimiter"]


def _check_rate(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"RateLimit.{attribute.name} must be a number > 0, got {value!r}")


@attrs.frozen(kw_only=True)
class RateLimit:
    """Requests per second allowed for one client (``rate``), with bursts up to ``burst``.

    Set ``rate`` to what your tenant allows and the client never sees a 429. When the limit is
    unknown, ``adaptive=True`` treats ``rate`` as a starting guess: each 429 multiplies the rate by
    0.7, and quiet periods grow it back (doubling until the first 429, then a CUBIC curve), between
    ``min_rate`` and ``max_rate``.

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


class CubicRate:
    """botocore's adaptive rate (CUBIC congestion control), as pure arithmetic on timestamps.

    After a throttle at time ``t0`` with the rate then at ``w_max``, the rate is
    ``scale * (t - t0 - K) ** 3 + w_max`` with ``K = cbrt(w_max * (1 - beta) / scale)``: it starts at
    ``beta * w_max``, flattens near ``w_max`` (where the server pushed back), then probes above it.
    Before the first throttle the rate doubles every ``slow_start_interval`` seconds, like TCP's
    slow start, so an under-estimated starting rate is corrected quickly.
    """

    def __init__(
        self,
        *,
        start_rate: float,
        min_rate: float,
        max_rate: float | None,
        now: float,
        beta: float = 0.7,
        scale: float = 0.4,
        slow_start_interval: float = 0.25,
    ) -> None:
        self.rate = start_rate
        self._min = min_rate
        self._max = max_rate if max_rate is not None else math.inf
        self._beta = beta
        self._scale = scale
        self._interval = slow_start_interval
        self._slow_start = True
        self._last_change = now
        self._w_max = start_rate
        self._k = 0.0
        self._sent = 0  # sends since the last slow-start step: growth only when the rate is used

    def _clamp(self, rate: float) -> float:
        return min(self._max, max(self._min, rate))

    def on_throttle(self, now: float) -> float:
        """The server answered 429: remember where, and cut the rate."""
        self._slow_start = False
        self._w_max = self.rate
        self._k = (self._w_max * (1 - self._beta) / self._scale) ** (1 / 3)
        self._last_change = now
        self.rate = self._clamp(self.rate * self._beta)
        return self.rate

    def on_success(self, now: float) -> float:
        """A request went through: grow the rate along the curve."""
        if self._slow_start:
            self._sent += 1
            elapsed = now - self._last_change
            if elapsed >= self._interval:
                # Double only when the bucket was the bottleneck (at least half the rate used);
                # an idle client must not grow a rate it never tested.
                if self._sent >= 0.5 * self.rate * elapsed:
                    self.rate = self._clamp(self.rate * 2)
                self._sent = 0
                self._last_change = now
            return self.rate
        t = now - self._last_change
        self.rate = self._clamp(self._scale * (t - self._k) ** 3 + self._w_max)
        return self.rate


class _AdjustableLimiter(AsyncLimiter):
    """aiolimiter's bucket with a settable drain rate (it has no public setter)."""

    __slots__ = ()

    def set_rate(self, rate: float) -> None:
        self._leak()  # account for the time elapsed at the old rate first
        self.time_period = self.max_rate / rate
        self._rate_per_sec = rate


class RateLimiter:
    """One client's token bucket plus its shared pause gate. Loop-bound: create inside the loop."""

    def __init__(
        self,
        config: RateLimit,
        *,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._config = config
        self._bucket = _AdjustableLimiter(config.burst, config.burst / config.rate)
        self._sleep = sleep
        self._resume_at = 0.0
        # One task at a time waits inside the bucket: aiolimiter wakes several waiters per token
        # (they re-check and sleep again), which costs ~190 µs of CPU per grant with 10k waiters.
        # asyncio.Lock is FIFO, wakes exactly one, and drops cancelled waiters for free.
        self._queue = asyncio.Lock()
        self._shared = config.shared.bucket(config) if config.shared is not None else None
        self._cubic = (
            CubicRate(
                start_rate=config.rate,
                min_rate=config.min_rate,
                max_rate=config.max_rate,
                now=self._loop.time(),
            )
            if config.adaptive
            else None
        )

    @property
    def rate(self) -> float:
        """The rate in force now (changes only in adaptive mode)."""
        if self._shared is not None:
            return self._shared.rate
        return self._cubic.rate if self._cubic else self._config.rate

    async def acquire(self) -> None:
        """Wait out any shared pause, then take one token."""
        waited_for = 0.0
        while True:
            target = self._resume_at
            delay = target - self._loop.time()
            # Sleep once per distinct pause: a pause extended while we slept is waited again, but an
            # injected test sleep that does not advance the clock cannot spin us forever.
            if delay <= 0 or target == waited_for:
                break
            await self._sleep(delay)
            waited_for = target
        if self._shared is not None:
            await self._shared.acquire()
        else:
            async with self._queue:
                await self._bucket.acquire()

    def pause(self, seconds: float) -> bool:
        """Hold every sender for ``seconds``; True when this starts a new pause (not an overlap)."""
        now = self._loop.time()
        new_pause = self._resume_at <= now
        self._resume_at = max(self._resume_at, now + seconds)
        if self._shared is not None:
            self._shared.throttled(seconds)  # every other worker pauses too
        return new_pause

    async def aclose(self) -> None:
        if self._shared is not None:
            await self._shared.aclose()

    def on_throttle(self) -> None:
        if self._cubic is not None and self._shared is None:
            self._bucket.set_rate(self._cubic.on_throttle(self._loop.time()))

    def on_success(self) -> None:
        if self._cubic is not None and self._shared is None:
            before = self._cubic.rate
            after = self._cubic.on_success(self._loop.time())
            if after != before:
                self._bucket.set_rate(after)
