"""A6, the throttle matrix: an adaptive listing against every kind of server limit, one run a cell.

Token bucket R {10, 100}/s x burst {1, 10} x ``Retry-After`` {seconds, HTTP date, absent} x start
rate {R/4, 5R}, plus DRF's sliding window at "20/s" and "600/min" (client told ``RateLimit.parse``
of it, or adaptive from R/4 and 5R). About 15 R pages a cell, 10 records a page, 10 in flight,
L = 20 ms. Per cell: when the 2-second moving average of successful requests last fell below
0.85 R (after that it stays above), the share of 429s, and whether every record arrived once.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from epic_async import EpicClient, EpicError, RateLimit
from epic_async.testing import FakeEpicServer, Variant
from epic_async.testing._variant import RetryAfterForm

from ._harness import Config, Report

__all__ = ["Cell", "MatrixBench", "cells", "settle_time"]

PAGE = 10
CONCURRENCY = 10
LATENCY = 0.02
WINDOW = 2.0  # seconds of the moving average
SHARE = 0.85  # of R
FORMS: tuple[RetryAfterForm, ...] = ("seconds", "http_date", "absent")


@dataclass(frozen=True)
class Cell:
    name: str
    rate: float  # R: the server's requests per second
    pages: int
    knobs: dict[str, Any]  # FakeEpicServer.configure(...)
    limit: RateLimit


def cells(quick: bool = False) -> list[Cell]:
    """Every cell of the matrix (``quick``: 3 R pages a cell instead of 15)."""
    span = 3 if quick else 15
    out: list[Cell] = []
    for rate in (10.0, 100.0):
        for burst in (1, 10):
            for form in FORMS:
                for start, label in ((rate / 4, "R/4"), (rate * 5, "5R")):
                    out.append(
                        Cell(
                            f"bucket {rate:g}/s b{burst} {form} from {label}",
                            rate,
                            int(span * rate),
                            {"rate": rate, "burst": burst, "variant": Variant(retry_after=form)},
                            RateLimit(rate=start, adaptive=True),
                        )
                    )
    for text, rate in (("20/s", 20.0), ("600/min", 10.0)):
        variant = Variant(throttle="drf_window", throttle_rate=text, retry_after="seconds")
        knobs = {"rate": None, "variant": variant}
        limits = (
            ("told parse", RateLimit.parse(text)),
            ("from R/4", RateLimit(rate=rate / 4, adaptive=True)),
            ("from 5R", RateLimit(rate=rate * 5, adaptive=True)),
        )
        for label, limit in limits:
            out.append(Cell(f"DRF {text} {label}", rate, int(span * rate), knobs, limit))
    return out


def settle_time(stamps: list[float], rate: float, end: float) -> float:
    """Seconds after the start from which the moving average of ``stamps`` (success times) stays
    at least ``SHARE * rate`` up to ``end``; ``inf`` if it is below at the end. Windows are
    checked every 50 ms from the first full one (``WINDOW``), so the earliest answer is 2.0."""
    stamps = sorted(stamps)
    need = SHARE * rate * WINDOW
    last_low, t, lo, hi = 0.0, WINDOW, 0, 0
    while t <= end + 1e-9:
        while hi < len(stamps) and stamps[hi] <= t:
            hi += 1
        while lo < len(stamps) and stamps[lo] <= t - WINDOW:
            lo += 1
        if hi - lo < need:
            last_low = t
        t += 0.05
    if last_low >= end - 0.05:
        return math.inf
    return max(last_low, WINDOW)


def _recording(request: Callable[..., Awaitable[Any]], stamps: list[float]) -> Callable[..., Awaitable[Any]]:  # fmt: skip
    async def record(*args: Any, **kwargs: Any) -> Any:
        response = await request(*args, **kwargs)
        stamps.append(time.perf_counter())
        return response

    return record


async def _list(sim: Any, cell: Cell) -> dict[str, Any]:
    stamps: list[float] = []
    async with EpicClient(api_key=sim.api_key, base_url=sim.base_url, rate_limit=cell.limit) as client:  # fmt: skip
        transport = client._transport
        transport.request = _recording(transport.request, stamps)  # type: ignore[method-assign,assignment]
        started = time.perf_counter()
        failure = None
        try:
            items = await client.chargers.list(
                page_size=PAGE, concurrency=CONCURRENCY, max_items=cell.pages * PAGE
            ).collect()
        except EpicError as exc:
            items, failure = [], f"{type(exc).__name__}: {exc}"
        wall = time.perf_counter() - started
        limiter = transport.shared._limiter
        final_rate = limiter.rate if limiter is not None else 0.0
    ids = [c.id for c in items]
    return {
        "stamps": [s - started for s in stamps],
        "wall": wall,
        "once": failure is None and len(ids) == len(set(ids)) == cell.pages * PAGE,
        "failure": failure,
        "final_rate": final_rate,
    }


class MatrixBench:
    """Runs every cell against one simulator process (its own process: its CPU is not ours)."""

    def __init__(self, config: Config, report: Report) -> None:
        self.config = config
        self.report = report

    def a6(self) -> None:
        matrix = cells(self.config.quick)
        fleet = max(c.pages for c in matrix) * PAGE
        print(
            f"  A6: {len(matrix)} cells, one run each, {PAGE} records a page, C={CONCURRENCY}, "
            f"L={LATENCY * 1000:g}ms; t85 = when the 2 s moving average of successes last fell "
            f"below {SHARE} R",
            flush=True,
        )
        print(f"    {'cell':<38}{'t85 s':>7}{'429s':>7}{'req':>6}{'wall s':>8}{'end rate':>9}  once")  # fmt: skip
        rows, all_once = [], True
        with FakeEpicServer.run_in_process(
            chargers=fleet, latency=LATENCY, max_limit=PAGE, sessions=0, faults=0, users=0, seed=6
        ) as sim:
            for cell in matrix:
                sim.configure(**cell.knobs)
                sim.reset_counters()
                outcome = asyncio.run(_list(sim, cell))
                counters = sim.counters()
                throttled = int(counters["by_status"].get("429", 0))
                share = throttled / max(1, counters["requests"])
                t85 = settle_time(outcome["stamps"], cell.rate, outcome["wall"])
                all_once = all_once and outcome["once"]
                row = {
                    "cell": cell.name,
                    "t85": t85,
                    "share_429": share,
                    "requests": counters["requests"],
                    "wall": outcome["wall"],
                    "final_rate": outcome["final_rate"],
                    "once": outcome["once"],
                    "failure": outcome["failure"],
                }
                rows.append(row)
                print(
                    f"    {cell.name:<38}{_t(t85):>7}{share:>7.1%}{counters['requests']:>6}"
                    f"{outcome['wall']:>8.1f}{outcome['final_rate']:>9.1f}  "
                    f"{'yes' if outcome['once'] else 'NO ' + str(outcome['failure'])}",
                    flush=True,
                )
            sim.configure(rate=None, variant=Variant())
        self.report.figure("A6", "cells", rows)
        self.report.check("A6", "once", float(all_once))
        told = [r for r in rows if "told" in r["cell"]]
        self.report.check("A6", "told-429", max(r["share_429"] for r in told))


def _t(seconds: float) -> str:
    return "never" if math.isinf(seconds) else f"{seconds:.1f}"
