"""One rate limit for many processes: a GCRA token bucket executed atomically in Redis.

The API limits the key, not the process. With N workers each holding a local bucket at the
tenant's rate, the fleet sends N times too much and meets 429 storms. ``RedisLimiter`` moves the
bucket into Redis:

- **one round trip per acquire**: a Lua script (:mod:`epic_async._redis_scripts`) reads Redis'
  own clock (``TIME``, so hosts with skewed clocks agree), takes a token from the same bucket the
  local limiter runs (:mod:`epic_async._bucket`, reserving it ahead when none is banked) and
  returns how long to wait;
- **the 429 pause is shared** (a stated rate): a worker that meets 429 + ``Retry-After`` writes
  the pause into Redis, and every worker's next token waits it out;
- **the adaptive rate is shared** (``RateLimit(adaptive=True)``): the algorithm of
  :mod:`epic_async._adaptive`, its state (the cut counter included) in Redis, so the fleet's rate
  is cut once per overload, whichever worker meets the 429s.

If Redis cannot be reached the policy decides: ``on_unavailable="fail"`` (the default) raises
:class:`SharedLimiterUnavailable` rather than risk the key; ``"local"`` falls back to a local
bucket at ``rate / expected_workers`` and warns (``RuntimeWarning``), checking Redis again every
``recheck`` seconds, and goes back to the shared bucket once Redis answers.

>>> import os
>>> from epic_async import EpicClient, RateLimit, RedisLimiter
>>> shared = RedisLimiter(os.environ["EPIC_REDIS_URL"], key="tenant-demo")  # redis://host:6379/0
>>> async with EpicClient(rate_limit=RateLimit(rate=20, burst=10, shared=shared)) as client:
...     chargers = await client.chargers.list().collect()  # a token from Redis per request
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import warnings
from typing import TYPE_CHECKING, Any, Literal

import attrs

from ._adaptive import AFTER_CUT_BURST, BETA, INTERVAL, SLOW_START_CUT, USED, C
from ._bucket import RATE_MARGIN, pacing
from ._errors import EpicError
from ._pacer import Pacer
from ._redis_scripts import ACQUIRE, THROTTLED

if TYPE_CHECKING:
    from ._ratelimit import RateLimit

__all__ = ["RedisLimiter", "SharedBucket", "SharedLimiterUnavailable", "script_args"]

logger = logging.getLogger("epic_async")


class SharedLimiterUnavailable(EpicError):
    """Redis (the shared rate limiter) could not be reached and the policy is to fail closed."""


@attrs.frozen
class RedisLimiter:
    """Where and how workers share one rate limit: a Redis URL and a key naming the bucket.

    ``key`` should name the API key's bucket (e.g. the tenant): every client with the same
    ``url`` and ``key`` shares one rate. ``expected_workers`` sizes the local fallback bucket.
    Needs the ``redis`` extra: ``pip install 'epic-async[redis]'``.
    """

    url: str = attrs.field()
    key: str = attrs.field(default="epic_async", kw_only=True)
    on_unavailable: Literal["fail", "local"] = attrs.field(default="fail", kw_only=True)
    expected_workers: int = attrs.field(default=1, kw_only=True)
    recheck: float = attrs.field(default=5.0, kw_only=True)
    timeout: float = attrs.field(default=1.0, kw_only=True)

    @url.validator
    def _check_url(self, _attribute: object, value: str) -> None:
        if not isinstance(value, str) or not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(f"RedisLimiter.url must be a redis:// URL, got {value!r}")

    def __attrs_post_init__(self) -> None:
        if self.on_unavailable not in ("fail", "local"):
            raise ValueError(
                f"RedisLimiter.on_unavailable must be 'fail' or 'local', got {self.on_unavailable!r}"
            )
        if self.expected_workers < 1:
            raise ValueError(f"RedisLimiter.expected_workers must be >= 1, got {self.expected_workers!r}")  # fmt: skip

    def bucket(self, config: RateLimit) -> SharedBucket:
        """The loop-bound side: a Redis connection and the scripts (made inside the loop)."""
        return SharedBucket(self, config)


class SharedBucket:
    """One client's connection to the shared bucket. Loop-bound, like the rest of the client."""

    def __init__(self, spec: RedisLimiter, config: RateLimit) -> None:
        try:
            import redis.asyncio as redis_asyncio
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError(
                "RedisLimiter needs the redis package: pip install 'epic-async[redis]'"
            ) from exc
        self._spec = spec
        self._config = config
        self._redis: Any = redis_asyncio.Redis.from_url(
            spec.url, socket_timeout=spec.timeout, socket_connect_timeout=spec.timeout
        )
        self._acquire = self._redis.register_script(ACQUIRE)
        self._throttled = self._redis.register_script(THROTTLED)
        self._keys = [f"epic_async:{spec.key}:bucket"]
        self._args = script_args(config)
        self._fallback: Pacer | None = None
        self._retry_redis_at = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.rate = config.rate

    async def acquire(self) -> int:
        """Wait until the shared bucket (or, during an outage, the fallback) lets one request
        go; return its ticket (the fleet's number of adaptive cuts so far)."""
        if self._fallback is not None and time.monotonic() < self._retry_redis_at:
            await self._fallback.acquire()
            return -1  # no ticket: a 429 met on the fallback cannot cut the fleet's rate
        try:
            wait, ticket, rate = await self._acquire(keys=self._keys, args=self._args)
        except Exception as exc:
            await self._unavailable(exc)
            return -1
        if self._fallback is not None:
            logger.warning("shared rate limiter: Redis is back; using the shared bucket again")
            await self._fallback.aclose()
            self._fallback = None
        self.rate = float(rate)
        seconds = float(wait)
        if seconds > 0:
            await asyncio.sleep(seconds)
        return int(ticket)

    async def _unavailable(self, exc: Exception) -> None:
        spec = self._spec
        if spec.on_unavailable == "fail":
            raise SharedLimiterUnavailable(
                f"the shared rate limiter at {_redact(spec.url)} is unreachable ({exc}); "
                "no request was sent (RedisLimiter(on_unavailable='local') would fall back to "
                "a local bucket)"
            ) from exc
        if self._fallback is None:
            rate = self._config.rate / spec.expected_workers
            burst = max(1, self._config.burst // spec.expected_workers)
            message = (
                f"shared rate limiter at {_redact(spec.url)} unreachable ({exc}); falling back "
                f"to a local bucket of {rate:g} req/s until it answers again"
            )
            warnings.warn(message, RuntimeWarning, stacklevel=3)
            logger.warning(message)
            pace, paced_burst = pacing(rate, burst)
            self._fallback = Pacer(burst=paced_burst, rate=lambda _now: pace)
        self._retry_redis_at = time.monotonic() + spec.recheck
        await self._fallback.acquire()

    def pause(self, seconds: float) -> None:
        """A stated rate met 429 + ``Retry-After``: hold every worker's bucket for ``seconds``."""
        self._report("pause", seconds)

    def cut(self, ticket: int) -> None:
        """An adaptive rate met a 429 on the request holding ``ticket``: cut the fleet's rate if
        no worker has cut it since that request left."""
        if ticket >= 0:
            self._report("cut", ticket)

    def _report(self, what: str, value: float) -> None:
        task = asyncio.get_running_loop().create_task(self._send_report(what, value))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _send_report(self, what: str, value: float) -> None:
        try:
            _cut, rate = await self._throttled(keys=self._keys, args=[*self._args, what, value])
        except Exception as exc:
            logger.warning("shared rate limiter: could not record a 429 in Redis (%s)", exc)
            return
        self.rate = float(rate)

    async def reported(self) -> None:
        """Wait until every 429 reported so far is recorded in Redis (tests; shutdown)."""
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._fallback is not None:
            await self._fallback.aclose()
        await self._redis.aclose()


def script_args(config: RateLimit, *, now: float | None = None) -> list[str | float | int]:
    """The scripts' common arguments for ``config`` (``now``: tests only, see the scripts)."""
    rate, burst = pacing(config.rate, config.burst)
    constants = " ".join(
        repr(v) for v in (BETA, C, INTERVAL, USED, SLOW_START_CUT, AFTER_CUT_BURST)
    )
    return [
        rate,
        burst,
        int(config.adaptive),
        config.rate,
        config.min_rate,
        config.max_rate if config.max_rate not in (None, math.inf) else 0,
        RATE_MARGIN,
        "" if now is None else repr(now),
        constants,
    ]


def _redact(url: str) -> str:
    """A Redis URL without its password."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
