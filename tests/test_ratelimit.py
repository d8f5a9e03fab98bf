"""The limiter on virtual time: the bucket's schedule, the pause gate, the adaptive rate's rules.

Every schedule here is exact (``tests/virtual_time.py``): no test waits, none asserts a timing.
"""

from __future__ import annotations

import ast
import asyncio
import itertools
import math
from pathlib import Path

import pytest

import epic_async
from epic_async import RateLimit
from epic_async._adaptive import (
    BETA,
    INTERVAL,
    RECOVERY,
    AdaptiveConfig,
    burst_cap,
    cut,
    note_send,
    rate_at,
    start_state,
)
from epic_async._bucket import pacing, reserve, window_rate
from epic_async._pacer import Pacer
from epic_async._ratelimit import RateLimiter, parse_rate

from .virtual_time import VirtualTime


def max_in_window(times: list[float], window: float) -> int:
    times = sorted(times)
    best, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] > window:
            start += 1
        best = max(best, end - start + 1)
    return best


async def grant_times(limiter: RateLimiter, vt: VirtualTime, n: int, tasks: int = 8) -> list[float]:
    stamps: list[float] = []
    remaining = iter(range(n))

    async def worker() -> None:
        for _ in remaining:
            await limiter.acquire()
            stamps.append(vt.clock())

    await asyncio.gather(*(worker() for _ in range(tasks)))
    return stamps


# --- the bucket -----------------------------------------------------------------------------------


async def test_a_full_bucket_lets_the_burst_go_then_paces_at_the_rate() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(RateLimit(rate=100, burst=10), clock=vt.clock, sleep=vt.sleep)
    stamps = await grant_times(limiter, vt, 100)
    rate, burst = pacing(100, 10)  # what the client paces at (99/s, burst 9)
    assert stamps[:burst] == [1000.0] * burst
    assert stamps[-1] - 1000.0 == pytest.approx((100 - burst) / rate, rel=0.02)
    # Never more than the burst plus what the rate refills, in any window.
    for window in (0.05, 0.1, 0.5):
        assert max_in_window(stamps, window) <= burst + math.floor(rate * window) + 1


async def test_waiters_are_served_in_order_and_a_cancelled_one_takes_no_token() -> None:
    vt = VirtualTime()
    pacer = Pacer(burst=1, rate=lambda _now: 10.0, clock=vt.clock, sleep=vt.sleep)
    await pacer.acquire()  # the banked token
    order: list[int] = []

    async def waiter(i: int) -> None:
        await pacer.acquire()
        order.append(i)

    tasks = [asyncio.create_task(waiter(i)) for i in range(6)]
    await asyncio.sleep(0)
    tasks[1].cancel()
    tasks[3].cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert order == [0, 2, 4, 5]
    assert vt.clock() == pytest.approx(1000.4)  # four tokens at 10/s: the cancelled cost none


async def test_10k_waiters_half_cancelled_are_served_at_the_rate() -> None:
    vt = VirtualTime()
    pacer = Pacer(burst=10, rate=lambda _now: 5000.0, clock=vt.clock, sleep=vt.sleep)
    served: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        served.append(vt.clock())

    tasks = [asyncio.create_task(one()) for _ in range(10_000)]
    await asyncio.sleep(0)
    for task in tasks[1::2]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    assert len(served) == 10 + 9_990 // 2  # the burst went before the cancellations
    assert served[-1] - served[0] == pytest.approx((len(served) - 10) / 5000.0, rel=0.01)


def test_reserve_promises_tokens_ahead_at_the_rate() -> None:
    level, at = 2.0, 0.0
    waits = []
    for _ in range(5):
        wait, level, at = reserve(level, at, now=0.0, rate=10.0, burst=2)
        waits.append(round(wait, 9))
    assert waits == [0.0, 0.0, 0.1, 0.2, 0.3]


# --- the pause gate ---------------------------------------------------------------------------------


async def test_pause_holds_every_sender_once() -> None:
    recorded: list[float] = []

    async def record(delay: float) -> None:
        recorded.append(delay)

    limiter = RateLimiter(RateLimit(rate=1000, burst=100), sleep=record)
    assert limiter.pause(0.5) is True
    assert limiter.pause(0.2) is False  # overlapping 429s do not start a second pause
    await asyncio.gather(*(limiter.acquire() for _ in range(4)))
    assert len(recorded) == 4
    assert all(0.45 < d <= 0.5 for d in recorded)


async def test_after_a_pause_one_request_goes_not_a_burst() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(RateLimit(rate=10, burst=5), clock=vt.clock, sleep=vt.sleep)
    limiter.pause(3.0)  # the bucket refills meanwhile: 30 tokens' worth
    stamps = await grant_times(limiter, vt, 4, tasks=1)
    rate, _ = pacing(10, 5)
    assert stamps[0] == pytest.approx(1003.0)
    assert [round(b - a, 6) for a, b in itertools.pairwise(stamps)] == [pytest.approx(1 / rate)] * 3


# --- the adaptive rate ------------------------------------------------------------------------------


def test_slow_start_doubles_only_a_rate_that_is_used() -> None:
    cfg = AdaptiveConfig(start_rate=10.0, max_rate=40.0)
    idle = start_state(cfg, now=0.0)
    note_send(idle, cfg, now=1.0)  # one request in a second: no evidence more is needed
    assert rate_at(idle, cfg, now=1.0) == 10.0
    busy = start_state(cfg, now=0.0)
    for i in range(4):  # 4 sends in 0.25 s at 10/s: more than half the rate
        note_send(busy, cfg, now=0.0625 * (i + 1))
    assert rate_at(busy, cfg, now=0.25) == 20.0
    for i in range(1, 200):
        note_send(busy, cfg, now=0.25 + 0.01 * i)
    assert rate_at(busy, cfg, now=2.5) == 40.0  # capped at max_rate


def test_one_cut_per_overload_by_ticket_not_by_clock() -> None:
    cfg = AdaptiveConfig(start_rate=100.0)
    s = start_state(cfg, now=0.0)
    s.slow = False
    in_flight = [note_send(s, cfg, now=0.01 * i) for i in range(8)]  # all sent before the cut
    assert cut(s, cfg, in_flight[0], now=0.1) is True
    assert rate_at(s, cfg, now=0.1) == pytest.approx(100 * BETA, rel=1e-3)
    # The other seven come back 429 too, some long after the cut: the same overload.
    assert [cut(s, cfg, t, now=0.1 + 0.5 * i) for i, t in enumerate(in_flight[1:])] == [False] * 7
    later = note_send(s, cfg, now=3.6)  # sent after the cut: a new overload if refused
    assert cut(s, cfg, later, now=3.7) is True
    assert s.epoch == 2


def test_after_a_cut_the_rate_is_back_within_recovery_seconds_then_probes() -> None:
    cfg = AdaptiveConfig(start_rate=100.0)
    s = start_state(cfg, now=0.0)
    s.slow = False
    cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0)
    t, rates = 0.0, []
    while t < 4.0:  # a client that uses its rate: a send every 5 ms
        t += 0.005
        note_send(s, cfg, now=t)
        rates.append((round(t, 3), rate_at(s, cfg, now=t)))
    at = dict(rates)
    assert at[0.5] < at[1.0] < at[1.5] < 100.0  # steep, then flattening under the old rate
    assert at[RECOVERY] == pytest.approx(100.0, rel=1e-6)
    assert 100.0 < at[3.0] < at[4.0]  # then probing above it


def test_a_client_sending_at_its_rate_climbs_back_after_a_cut() -> None:
    cfg = AdaptiveConfig(start_rate=100.0)
    s = start_state(cfg, now=0.0)
    s.slow = False
    cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0)
    t = 0.0
    while t < 3.0:  # sends exactly at the rate in force (99 % of it, as the pacer does)
        t += 1 / (0.99 * rate_at(s, cfg, now=t))
        note_send(s, cfg, now=t)
    assert rate_at(s, cfg, now=t) > 99.0


def test_the_curve_does_not_advance_while_the_rate_is_unused() -> None:
    cfg = AdaptiveConfig(start_rate=100.0)
    s = start_state(cfg, now=0.0)
    s.slow = False
    cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0)
    note_send(s, cfg, now=60.0)  # idle for a minute (or paused, or held by its concurrency)
    assert rate_at(s, cfg, now=60.0) == pytest.approx(70.0, abs=1.0)  # not a minute up the curve


def test_the_first_cut_halves_and_cuts_never_pass_min_rate() -> None:
    cfg = AdaptiveConfig(start_rate=80.0)
    s = start_state(cfg, now=0.0)
    assert cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0) is True
    # Slow start ends: back to the rate before the last doubling, the last one that passed.
    assert rate_at(s, cfg, now=0.0) == pytest.approx(40.0)
    floored = AdaptiveConfig(start_rate=50.0, min_rate=30.0)
    s = start_state(floored, now=0.0)
    for now in (0.0, 0.1, 0.2):
        assert cut(s, floored, note_send(s, floored, now=now), now=now) is True
        assert rate_at(s, floored, now=now) == 30.0


def test_a_cut_below_the_last_one_aims_between_the_two() -> None:
    cfg = AdaptiveConfig(start_rate=100.0)
    s = start_state(cfg, now=0.0)
    s.slow = False
    cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0)  # at 100: aims back at 100
    assert s.w_max == pytest.approx(100.0)
    cut(s, cfg, note_send(s, cfg, now=0.5), now=0.5)  # lower, at ~87: the limit is lower
    lower = s.last
    assert lower < 100.0
    assert s.w_max == pytest.approx(lower * (1 + BETA) / 2)


def test_after_the_first_cut_the_burst_is_10_ms_of_the_rate() -> None:
    cfg = AdaptiveConfig(start_rate=400.0)
    s = start_state(cfg, now=0.0)
    assert burst_cap(s, cfg, 9, now=0.0) == 9  # slow start: the configured burst
    cut(s, cfg, note_send(s, cfg, now=0.0), now=0.0)  # to 200/s
    assert burst_cap(s, cfg, 9, now=0.0) == 2
    slow = AdaptiveConfig(start_rate=10.0)
    t = start_state(slow, now=0.0)
    cut(t, slow, note_send(t, slow, now=0.0), now=0.0)
    assert burst_cap(t, slow, 9, now=0.0) == 1  # never less than one token


async def test_a_stalled_pacer_resumes_with_one_token_not_a_burst() -> None:
    vt = VirtualTime()
    stalls = iter([0.3])

    async def stalling_sleep(delay: float) -> None:
        await vt.sleep(
            delay + next(stalls, 0.0)
        )  # the first wait overruns: the process stood still

    pacer = Pacer(burst=5, rate=lambda _now: 100.0, clock=vt.clock, sleep=stalling_sleep)
    for _ in range(5):
        await pacer.acquire()  # the banked burst
    granted: list[float] = []

    async def one() -> None:
        await pacer.acquire()
        granted.append(vt.clock())

    await asyncio.gather(*(one() for _ in range(4)))
    # After the stall one request goes (the 30 tokens due meanwhile are not handed out), then
    # the pacing resumes: no volley on top of whatever the stall held up.
    assert granted[0] == pytest.approx(1000.31)
    assert [round(b - a, 6) for a, b in itertools.pairwise(granted)] == [0.01] * 3


async def test_the_limiter_hands_out_tickets_and_cuts_once_per_overload() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(
        RateLimit(rate=50, burst=5, adaptive=True), clock=vt.clock, sleep=vt.sleep
    )
    tickets = [await limiter.acquire() for _ in range(5)]
    assert tickets == [0] * 5
    assert [limiter.cut(t) for t in tickets] == [True, False, False, False, False]
    assert limiter.rate == pytest.approx(25.0)  # the end of slow start: halved
    assert await limiter.acquire() == 1
    assert limiter.state is not None and limiter.state.epoch == 1


async def test_no_burst_after_a_cut() -> None:
    vt = VirtualTime()
    limiter = RateLimiter(
        RateLimit(rate=100, burst=10, adaptive=True), clock=vt.clock, sleep=vt.sleep
    )
    ticket = await limiter.acquire()
    limiter.cut(ticket)  # with 8 tokens still banked
    stamps = await grant_times(limiter, vt, 3)
    assert stamps[0] == 1000.0  # one token kept...
    assert stamps[1] > stamps[0]  # ...and no more: the server's bucket is empty


# --- what the user states ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count", "period"),
    [("600/min", 600, 60), ("20/s", 20, 1), ("1000/hour", 1000, 3600), ("5/m", 5, 60), ("100/day", 100, 86400)],
)  # fmt: skip
def test_parse_reads_drf_rates(text: str, count: int, period: int) -> None:
    assert parse_rate(text) == (count, period)
    limit = RateLimit.parse(text)
    assert limit.burst == 1
    assert limit.rate == window_rate(count, period)
    paced, _ = pacing(limit.rate, limit.burst)
    assert 0.95 * count / period <= paced < count / period


@pytest.mark.parametrize("text", ["600", "x/min", "600/fortnight", "0/s", "", "/s"])
def test_parse_refuses_what_drf_would_not_read(text: str) -> None:
    with pytest.raises(ValueError, match=r"RateLimit\.parse"):
        RateLimit.parse(text)


def test_pacing_keeps_a_margin_on_the_rate_and_the_burst() -> None:
    told_and_paced = [
        ((40.0, 5), (39.6, 4)),  # 25 ms at 40/s: one token
        ((50.0, 5), (49.5, 3)),
        ((200.0, 10), (198.0, 5)),
        ((1000.0, 10), (990.0, 5)),  # at most half the burst in reserve
        ((5000.0, 10), (4950.0, 8)),  # a timer tick's tokens (1.5 ms: 8) stay out of it
        ((10.0, 2), (9.9, 1)),
        ((10.0, 1), (9.9, 1)),  # no reserve below one token
    ]
    for told, paced in told_and_paced:
        rate, burst = pacing(*told)
        assert (round(rate, 9), burst) == paced


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"rate": 0}, "rate"), ({"burst": 0}, "burst"), ({"rate": 10, "max_rate": 5}, "max_rate")],
)
def test_rate_limit_validates(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=f"RateLimit.{field}"):
        RateLimit(**kwargs)  # type: ignore[arg-type]


def test_no_module_imports_aiolimiter() -> None:
    """The limiter stands on public ground: our own bucket, no private attributes of anyone's."""
    package = Path(epic_async.__file__).parent
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            assert not any(n.split(".")[0] == "aiolimiter" for n in names), path


def test_interval_constants_are_sane() -> None:
    assert 0 < BETA < 1 and INTERVAL > 0 and RECOVERY > 0
