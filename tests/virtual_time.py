"""Virtual time for limiter tests: a clock that jumps forward when someone sleeps on it.

``RateLimiter(config, clock=vt.clock, sleep=vt.sleep)`` paces on it: minutes of pacing pass at
once. With ``real=False`` the clock moves only through sleeps, so grant times are exact and tests
assert on schedules, never on wall-clock timings. With ``real=True`` it is the monotonic clock plus
the jumps, for tests over real HTTP where round trips take real time; ``on_advance`` then moves a
server's throttle clock by the same jumps (``DrfServer.advance_throttle_clock``), so client and
server see the same time pass. One sleeper at a time is exact (the pacer's pump is the only one in
these tests); concurrent sleepers would each jump the clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable


class VirtualTime:
    def __init__(
        self,
        *,
        start: float = 1000.0,
        real: bool = False,
        on_advance: Callable[[float], None] | None = None,
    ) -> None:
        self._offset = start - time.monotonic() if real else start
        self._real = real
        self._on_advance = on_advance
        self.slept: list[float] = []

    def clock(self) -> float:
        return time.monotonic() + self._offset if self._real else self._offset

    async def sleep(self, delay: float) -> None:
        await asyncio.sleep(0)  # a loop turn, as a real sleep would give other tasks
        delay = max(0.0, delay)
        self.slept.append(delay)
        self._offset += delay
        if self._on_advance is not None:
            self._on_advance(delay)
