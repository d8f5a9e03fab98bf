"""The adaptive rate: CUBIC congestion control with TCP's one-cut-per-overload rule. Pure.

This module is the one description of the algorithm; the Lua of :mod:`epic_async._redis_scripts`
is the same lines for a fleet, and a test steps both through the same events. In short (the long
form, with measurements, is docs/rate-limits.md):

- **Slow start.** The rate doubles every :data:`INTERVAL` seconds in which the client used it
  (see below), until the first 429.
- **One cut per overload.** :func:`note_send` hands every request a ticket: the number of cuts so
  far. A 429 cuts only if its ticket is current, i.e. its request left after the last cut. The
  requests already in flight when the server pushed back carry an older ticket: their 429s are
  the same overload, not a new one (TCP's rule; comparing clocks would not be: a slow answer can
  land long after the cut although its request left before it).
- **The cut.** To :data:`BETA` of the rate, and the curve aims back at the rate of the 429. The
  first cut, ending slow start, halves the rate (the rate before the last doubling is the last
  one known to pass). **Fast convergence** (CUBIC's): when a cut comes at a lower rate than the
  one before, the limit is lower than the curve assumed, and it aims between the two
  (``rate * (1 + BETA) / 2``); a rate doubled past the limit in slow start does not count.
- **Growth.** ``w_max * (1 + C * (t - k) ** 3)`` after a cut at ``w_max``: steep at first, flat
  near ``w_max`` (back there :data:`RECOVERY` seconds after a ``BETA`` cut), then probing above.
  ``C`` is relative to ``w_max``, so a 10 req/s tenant and a 1,000 req/s one recover in the same
  time (botocore's adaptive mode uses an absolute ``C``: seconds at 10 req/s, minutes at 1,000).
- **Only while used.** The curve's clock runs only in intervals in which the client sent at least
  :data:`USED` of the rate in force at their start, so a client that idles, waits out a
  ``Retry-After`` or is held back by its own concurrency does not grow a rate it never tested
  (grown meanwhile, it would meet the server with it the moment it is free again).
- **10 ms of burst after the first cut** (:func:`burst_cap`, one token at least). A refusing
  server has not said how deep its bucket is, and a client that sends steadily needs only enough
  to ride out its own event loop's hiccups: a server of burst 1 refuses any two requests closer
  than its interval, and a banked burst (the client's workers all waiting out a ``Retry-After``,
  then back at once) would meet it with a volley.

>>> cfg = AdaptiveConfig(start_rate=100.0)
>>> s = start_state(cfg, now=0.0)
>>> ticket = note_send(s, cfg, now=0.0)
>>> cut(s, cfg, ticket, now=1.0), round(rate_at(s, cfg, now=1.0), 1)  # ends slow start: halves
(True, 50.0)
>>> cut(s, cfg, ticket, now=1.01)  # another 429 of the same overload: no second cut
False
"""

from __future__ import annotations

import math

import attrs

__all__ = [
    "AFTER_CUT_BURST",
    "BETA",
    "INTERVAL",
    "RECOVERY",
    "AdaptiveConfig",
    "AdaptiveState",
    "burst_cap",
    "cut",
    "note_send",
    "rate_at",
    "start_state",
]

#: The rate after a cut, as a share of the rate at the 429 (CUBIC's and botocore's 0.7).
BETA = 0.7
#: Seconds from a cut back to the rate of the 429 (CUBIC's ``K`` for a ``BETA`` cut).
RECOVERY = 2.0
#: The curve's constant, relative to ``w_max``: ``C * RECOVERY ** 3 == 1 - BETA``.
C = (1.0 - BETA) / RECOVERY**3
#: Seconds per slow-start step and per "was the rate used?" check. Benchmark A4 (from 50/s to a
#: server at 200/s, a 5-second listing) measured 0.80-0.82 of R with 0.25, 0.85-0.86 with 0.125.
INTERVAL = 0.125
#: The share of the rate a client must send in an interval for it to count as used. Measured on
#: benchmark A6 (100/s, burst 10, whole-second ``Retry-After``): at 0.5 a listing held up by one
#: page's 1-second wait grew its rate to 1.2-1.5x the server's meanwhile and met the server with
#: it, a 429 every 2 s all along; at 0.9 it settled after two or three.
USED = 0.9
#: The first cut (the end of slow start) halves: the rate before the last doubling passed.
SLOW_START_CUT = 0.5
#: Seconds of the rate the bucket may bank after the first cut (see :func:`burst_cap`).
AFTER_CUT_BURST = 0.01


@attrs.frozen(kw_only=True)
class AdaptiveConfig:
    """The bounds of one adaptive rate (from :class:`~epic_async.RateLimit`)."""

    start_rate: float
    min_rate: float = 0.5
    max_rate: float = math.inf


@attrs.define(kw_only=True)
class AdaptiveState:
    """Everything the rate depends on (the Redis hash holds the same fields).

    ``epoch`` counts cuts; ``slow`` is slow start; after a cut the rate is the curve through
    ``w_max`` with offset ``k``, started at ``since``; ``last`` is the rate of the last 429;
    ``mark`` and ``sent`` are the current interval of the used-check.
    """

    epoch: int = 0
    slow: bool = True
    w_max: float
    k: float = 0.0
    last: float = 0.0
    since: float
    mark: float
    sent: int = 0


def start_state(cfg: AdaptiveConfig, *, now: float) -> AdaptiveState:
    """Slow start from ``cfg.start_rate``."""
    return AdaptiveState(w_max=cfg.start_rate, since=now, mark=now)


def rate_at(s: AdaptiveState, cfg: AdaptiveConfig, *, now: float) -> float:
    """The rate in force at ``now`` (requests per second), within the configured bounds."""
    if s.slow:
        rate = s.w_max
    else:
        x = (now - s.since) - s.k
        rate = s.w_max * (1.0 + C * x * x * x)
    return min(cfg.max_rate, max(cfg.min_rate, rate))


def burst_cap(s: AdaptiveState, cfg: AdaptiveConfig, burst: int, *, now: float) -> int:
    """The most the bucket may bank: the configured ``burst`` until the first cut, then what the
    rate in force sends in :data:`AFTER_CUT_BURST` seconds (rounded; at least one, at most
    ``burst``)."""
    if s.slow:
        return burst
    return max(1, min(burst, math.floor(rate_at(s, cfg, now=now) * AFTER_CUT_BURST + 0.5)))


def note_send(s: AdaptiveState, cfg: AdaptiveConfig, *, now: float) -> int:
    """Count a request leaving now; return its ticket (the number of cuts so far).

    Closes the used-check interval when it is over: slow start doubles a used rate, and after a
    cut an unused interval is taken out of the curve's clock.
    """
    s.sent += 1
    elapsed = now - s.mark
    if elapsed >= INTERVAL:
        # Judged against the rate at the interval's start: right after a cut the curve climbs
        # faster than any client can follow within the interval.
        used = s.sent >= USED * rate_at(s, cfg, now=s.mark) * elapsed
        if s.slow:
            if used:
                s.w_max = min(cfg.max_rate, s.w_max * 2.0)
        elif not used:
            s.since += elapsed
        s.mark = now
        s.sent = 0
    return s.epoch


def cut(s: AdaptiveState, cfg: AdaptiveConfig, ticket: int, *, now: float) -> bool:
    """A 429 answered the request holding ``ticket``: cut the rate if it is a new overload.

    Returns whether it cut. The curve restarts at ``now`` from the cut rate and reaches ``w_max``
    (the rate of the 429, or less: fast convergence) ``k`` seconds later.
    """
    if ticket != s.epoch:
        return False
    rate = rate_at(s, cfg, now=now)
    if s.slow:
        # Half: the rate before the last doubling, the last that passed. A rate doubled past the
        # limit says little of where the limit is: no fast convergence against it (last = 0).
        aim, after = rate, max(cfg.min_rate, rate * SLOW_START_CUT)
        s.last = 0.0
    else:
        aim = rate * (1.0 + BETA) / 2.0 if rate < s.last else rate
        after = max(cfg.min_rate, rate * BETA)
        s.last = rate
    s.slow = False
    s.w_max = max(aim, after)
    s.k = ((1.0 - after / s.w_max) / C) ** (1.0 / 3.0) if s.w_max > after else 0.0
    s.since = s.mark = now
    s.sent = 0
    s.epoch += 1
    return True
