"""One event loop's token bucket: waiters in FIFO order, one pump, cancelled waiters for free.

Why not aiolimiter: it has no public way to change the rate (the adaptive rate changes it all
the time; the SDK used to write its private ``_rate_per_sec`` and call ``_leak()``), it wakes
several waiters per token and lets them race, and the asyncio.Lock that serialised them removes
a cancelled waiter in O(n) (10,000 waiters, half cancelled: ~50 µs of CPU each). Here a waiter is
a future in a deque: granting is ``set_result``, and a cancelled one is skipped when it reaches
the head, at no cost. The arithmetic is :mod:`epic_async._bucket`'s, shared with Redis.

The clock and the sleep are injectable, so tests (and DRF's throttle, which reads an injectable
clock too) can run the pacing on virtual time instead of waiting it out.

>>> pacer = Pacer(burst=5, rate=lambda now: 40.0)  # 40 a second, 5 at once
>>> await pacer.acquire()
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable

from ._bucket import BURST_RESERVE, refill

__all__ = ["Pacer"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

# A level this close under a whole token counts as one: float sums of (elapsed * rate) land a
# hair short, and a 1e-12-second sleep to make up the difference would only cost a loop turn.
_EPSILON = 1e-9
# The pump sleeps at least this long (unless half the burst would bank first): each wake-up is
# a turn of the event loop and a system call, and at thousands of tokens a second those turns were
# most of the CPU (measured, 10,000 waiters at 5,000/s: a wake-up per token ~28 µs of CPU per
# waiter, one per 1 ms ~11 µs, one per 5 ms ~8 µs). Tokens due meanwhile bank, up to the burst, and
# go out together, so the rate holds; the bunches stay within the burst the server was told.
_TICK = 0.005
# A pump this much later than it meant to be means the process stood still (a full garbage
# collection of a large heap takes 100s of ms): requests granted just before the stall leave only
# now, together with whatever the pump hands out. So it resumes with one token, not a burst, as
# after a 429 pause. (Measured: with a 330 ms collection, 8 threads of one SyncEpicClient met 2
# 429s from a server they were told exactly, in 300 requests at 200/s; none with this rule.)
# The same seconds the burst keeps in reserve for jitter: a shorter hold-up is what it is for.
_STALL = BURST_RESERVE


class Pacer:
    """``rate(now)`` tokens a second, at most ``burst`` (or ``burst(now)``) banked; starts full.
    Loop-bound.

    A pump that wakes late (a busy event loop) loses what would have banked past ``burst``, as
    the server's bucket does: banking more and handing it out at once would spend the slack the
    pacing margin keeps on the server (measured: benchmark A3 met 429s when it did).
    """

    __slots__ = (
        "_at", "_burst", "_clock", "_due", "_level", "_loop", "_pump", "_rate", "_sleep", "_timer",
        "_waiters",
    )  # fmt: skip

    def __init__(
        self,
        *,
        burst: int | Callable[[float], int],
        rate: Callable[[float], float],
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._clock = clock or self._loop.time
        self._sleep = sleep
        self._rate = rate
        self._burst: Callable[[float], int] = burst if callable(burst) else (lambda _now: burst)
        self._at = self._clock()
        self._due = self._at  # when the pump meant to run next
        self._level = float(self._burst(self._at))
        self._waiters: deque[asyncio.Future[None]] = deque()
        # The pump: a timer callback on the loop's own clock (cheapest: no task, no future per
        # wake-up), or a task when a sleep is injected (virtual time advances only through it).
        self._timer: asyncio.TimerHandle | None = None
        self._pump: asyncio.Task[None] | None = None

    @property
    def level(self) -> float:
        """Tokens banked as of the last update (for tests and debugging)."""
        return self._level

    def _update(self, now: float) -> float:
        rate = self._rate(now)
        self._level, self._at = refill(self._level, self._at, now, rate, self._burst(now))
        return rate

    async def acquire(self) -> None:
        """Wait for one token, behind every earlier waiter."""
        waiter = self.take()
        if waiter is not None:
            await waiter

    def take(self) -> asyncio.Future[None] | None:
        """Take a token now (``None``), or queue for one: await the future returned.

        Not a coroutine, so that a caller's own ``async def`` is the only frame a waiter costs
        (10,000 waiters: every frame is created, suspended and, if cancelled, unwound 10,000 times).
        """
        if not self._waiters:
            self._update(self._clock())
            if self._level >= 1.0 - _EPSILON:
                self._level -= 1.0
                return None
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        if self._timer is None and self._pump is None:
            self._due = self._clock()
            if self._sleep is asyncio.sleep and self._clock == self._loop.time:
                self._timer = self._loop.call_at(self._due, self._on_timer)
            else:
                self._pump = self._loop.create_task(self._run())
        return waiter

    def trim(self, tokens: float = 1.0) -> None:
        """Keep at most ``tokens`` banked: after a cut or a pause, no burst (the server has none)."""
        self._update(self._clock())
        self._level = min(self._level, tokens)

    def _grant(self) -> float:
        """Hand out the tokens banked to the head of the queue; the seconds until the next one
        is due, or 0.0 when nobody waits any more."""
        waiters = self._waiters
        now = self._clock()
        rate = self._update(now)
        if now - self._due > _STALL:
            self._level = min(self._level, 1.0)
        while waiters and self._level >= 1.0 - _EPSILON:
            waiter = waiters.popleft()
            if not waiter.done():  # a cancelled waiter takes no token
                waiter.set_result(None)
                self._level -= 1.0
        while waiters and waiters[0].done():
            waiters.popleft()
        if not waiters:
            return 0.0
        due = (1.0 - self._level) / rate
        delay = max(due, min(_TICK, 0.5 * (self._burst(self._at) - 1) / rate))
        self._due = now + delay
        return delay

    def _on_timer(self) -> None:
        delay = self._grant()
        self._timer = (
            self._loop.call_at(self._loop.time() + delay, self._on_timer) if delay else None
        )

    async def _run(self) -> None:
        try:
            while delay := self._grant():
                await self._sleep(delay)
        finally:
            self._pump = None

    async def aclose(self) -> None:
        """Stop the pump (its waiters are the caller's to cancel)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        pump, self._pump = self._pump, None
        if pump is not None:
            pump.cancel()
            await asyncio.gather(pump, return_exceptions=True)
