"""One rate limit for many processes: a GCRA token bucket executed atomically in Redis.

The API limits the key, not the process. With N workers each holding a local bucket at the
tenant's rate, the fleet sends N times too much and meets 429 storms. ``RedisLimiter`` moves the
bucket into Redis:

- **one round trip per acquire**: a Lua script reads Redis' own clock (``TIME``, so hosts with
  skewed clocks agree), applies GCRA (the "theoretical arrival time" form of a token bucket:
  ``burst`` requests at once, then one every ``1/rate`` seconds) and returns how long to wait;
- **the 429 pause is shared**: a worker that meets 429 + ``Retry-After`` writes the pause into
  Redis, and every worker's next acquire waits it out;
- **the adaptive rate is shared** (``RateLimit(adaptive=True)``): a 429 cuts the fleet's rate by
  30 % (once per pause, not once per worker), and the rate climbs back linearly, then probes on.

If Redis cannot be reached the policy decides: ``on_unavailable="fail"`` (the default) raises
:class:`SharedLimiterUnavailable` rather than risk the key; ``"local"`` falls back to a local
bucket at ``rate / expected_workers`` and warns (``RuntimeWarning``), checking Redis again every
``recheck`` seconds, and goes back to the shared bucket once Redis answers.

>>> shared = RedisLimiter("redis://127.0.0.1:6379/0", key="tenant-demo")
>>> EpicClient(rate_limit=RateLimit(rate=20, burst=10, shared=shared))  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import logging
import time
import warnings
from typing import TYPE_CHECKING, Any, Literal

import attrs
from aiolimiter import AsyncLimiter

from ._errors import EpicError

if TYPE_CHECKING:
    from ._ratelimit import RateLimit

__all__ = ["RedisLimiter", "SharedBucket", "SharedLimiterUnavailable"]

logger = logging.getLogger("epic_async")

# KEYS: tat, pause, adaptive state. ARGV: rate, burst, adaptive (0/1), min_rate, max_rate (0 = none)
# Returns the wait in milliseconds (a string: Lua numbers lose their fraction on the way out).
_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
if ARGV[3] == '1' then
  local s = redis.call('HMGET', KEYS[3], 'base', 'slope', 'since')
  if s[1] then
    rate = tonumber(s[1]) + tonumber(s[2]) * (now - tonumber(s[3])) / 1000
  else
    redis.call('HSET', KEYS[3], 'base', rate, 'slope', rate * 0.2, 'since', now)
    redis.call('PEXPIRE', KEYS[3], 3600000)
  end
  rate = math.max(rate, tonumber(ARGV[4]))
  if tonumber(ARGV[5]) > 0 then rate = math.min(rate, tonumber(ARGV[5])) end
end
local interval = 1000 / rate
local pause_until = tonumber(redis.call('GET', KEYS[2]) or '0')
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(tat, now, pause_until)
local wait = math.max(start - (burst - 1) * interval - now, pause_until - now, 0)
local new_tat = start + interval
redis.call('SET', KEYS[1], tostring(new_tat), 'PX', math.ceil(new_tat - now) + 60000)
return tostring(wait)
"""

# KEYS: pause, adaptive state. ARGV: pause ms, adaptive (0/1), min_rate.
# Returns the shared rate after the 429 (or 0 when not adaptive).
_THROTTLED = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local pause_ms = tonumber(ARGV[1])
local until_ms = now + pause_ms
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > current then
  redis.call('SET', KEYS[1], tostring(until_ms), 'PX', math.ceil(pause_ms) + 1000)
end
if ARGV[2] ~= '1' then return '0' end
local s = redis.call('HMGET', KEYS[2], 'base', 'slope', 'since', 'cut_at')
if not s[1] then return '0' end
local rate = tonumber(s[1]) + tonumber(s[2]) * (now - tonumber(s[3])) / 1000
-- One cut per burst of 429s: the workers that meet the same overload must not each cut.
if s[4] and now - tonumber(s[4]) < math.max(pause_ms, 500) then return tostring(rate) end
local cut = math.max(rate * 0.7, tonumber(ARGV[3]))
-- Climb back to where the server pushed back within about 5 s, then keep probing at that slope.
redis.call('HSET', KEYS[2], 'base', cut, 'slope', (rate - cut) / 5, 'since', now, 'cut_at', now)
return tostring(cut)
"""


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
        self._acquire = self._redis.register_script(_ACQUIRE)
        self._throttled = self._redis.register_script(_THROTTLED)
        prefix = f"epic_async:{spec.key}:"
        self._keys = [prefix + "tat", prefix + "pause", prefix + "adaptive"]
        # The script's arguments never change for a client (RateLimit is frozen): built once.
        self._acquire_args = [
            config.rate,
            config.burst,
            int(config.adaptive),
            config.min_rate,
            config.max_rate or 0,
        ]
        self._fallback: AsyncLimiter | None = None
        self._retry_redis_at = 0.0
        self._tasks: set[asyncio.Task[None]] = set()
        self.rate = config.rate

    async def acquire(self) -> None:
        """Wait until the shared bucket (or, during an outage, the fallback) lets one request go."""
        if self._fallback is not None and time.monotonic() < self._retry_redis_at:
            await self._fallback.acquire()
            return
        try:
            wait_ms = float(await self._acquire(keys=self._keys, args=self._acquire_args))
        except Exception as exc:
            await self._unavailable(exc)
            return
        if self._fallback is not None:
            logger.warning("shared rate limiter: Redis is back; using the shared bucket again")
            self._fallback = None
        if wait_ms > 0:
            await asyncio.sleep(wait_ms / 1000)

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
            self._fallback = AsyncLimiter(burst, burst / rate)
        self._retry_redis_at = time.monotonic() + spec.recheck
        await self._fallback.acquire()

    def throttled(self, pause: float | None) -> None:
        """A 429 was answered: share the pause (and, adaptive, the cut) with every worker."""
        task = asyncio.get_running_loop().create_task(self._report(pause or 0.0))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, pause: float) -> None:
        args = [pause * 1000, int(self._config.adaptive), self._config.min_rate]
        try:
            rate = float(await self._throttled(keys=self._keys[1:], args=args))
        except Exception as exc:
            logger.warning("shared rate limiter: could not record a 429 in Redis (%s)", exc)
            return
        if rate:
            self.rate = rate

    async def aclose(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()


def _redact(url: str) -> str:
    """A Redis URL without its password."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
