"""Smoke subset of ``python -m benchmarks`` at small scale: ratios side by side, never absolute times.

A speed regression of the SDK (listing fan-out, rate limit, bulk concurrency, the converter) makes
one of these ratios fail. Margins are generous: CI machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import orjson
import pytest

from benchmarks._baselines import (
    PydPage,
    hand_structure,
    list_naive,
    list_raw_floor,
    sequential_create,
)
from benchmarks._bulk import ITEM_DELAY, LATENCY, sdk_create
from benchmarks._listing import sdk_list
from benchmarks._micro import _fetch, _paced
from benchmarks._sdk import structure_page  # epic_async._convert, or _reads after the split
from epic_async import RateLimit
from epic_async._ratelimit import RateLimiter
from epic_async.models import Charger
from epic_async.testing import FakeEpicServer
from epic_async.testing.rows import charger_rows, invalid_indexes

pytestmark = pytest.mark.slow

T = TypeVar("T")
FLEET = 5_000


def best_of(runs: int, fn: Callable[[], T]) -> tuple[float, T]:
    """The fastest of ``runs`` wall times (after one warm-up) and the last result."""
    fn()
    best, result = float("inf"), None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    assert result is not None
    return best, result


@pytest.fixture(scope="module")
def sim() -> Iterator[Any]:
    with FakeEpicServer.run_in_process(chargers=FLEET, latency=0.0, seed=1) as server:
        yield server


@pytest.fixture(scope="module")
def bulk_sim() -> Iterator[Any]:
    with FakeEpicServer.run_in_process(chargers=10, latency=0.0, seed=2) as server:
        yield server


def test_listing_fan_out_beats_naive_follow_next(sim: Any) -> None:
    sim.configure(latency=0.02, rate=None, fault_rate=0.0)
    sdk_wall, outcome = best_of(2, lambda: asyncio.run(sdk_list(sim, FLEET, concurrency=10)))
    assert outcome.records == FLEET
    assert outcome.extra["unique"] == FLEET
    naive_wall, naive_records = best_of(
        1, lambda: asyncio.run(list_naive(sim.base_url, sim.api_key, FLEET))
    )
    assert naive_records == FLEET
    assert naive_wall / sdk_wall >= 4, (naive_wall, sdk_wall)


def test_listing_cpu_bound_close_to_raw_floor(sim: Any) -> None:
    sim.configure(latency=0.0, rate=None, fault_rate=0.0)
    sdk_wall, _ = best_of(3, lambda: asyncio.run(sdk_list(sim, FLEET)))
    raw_wall, items = best_of(
        3, lambda: asyncio.run(list_raw_floor(sim.base_url, sim.api_key, FLEET))
    )
    assert len(items) == FLEET
    assert sdk_wall / raw_wall <= 2.5, (sdk_wall, raw_wall)


def test_told_the_server_rate_no_429(sim: Any) -> None:
    sim.configure(latency=0.02, rate=200.0, burst=10, fault_rate=0.0)
    try:
        sim.reset_counters()
        limit = RateLimit(rate=200.0, burst=8)
        outcome = asyncio.run(sdk_list(sim, 2_000, rate_limit=limit))
        counters = sim.counters()
    finally:
        sim.configure(rate=None)
    assert outcome.extra["unique"] == 2_000
    assert counters["throttled"] == 0
    assert counters["requests"] == 20


def test_bulk_concurrency_beats_sequential(bulk_sim: Any) -> None:
    bulk_sim.configure(latency=LATENCY, bulk_item_delay=ITEM_DELAY, max_batch=100, fault_rate=0.0)
    serial = iter(range(100))

    def rows() -> list[dict[str, Any]]:
        return list(charger_rows(2_000, prefix=f"SMK{next(serial)}"))

    batches = [rows() for _ in range(4)]
    sdk_wall, outcome = best_of(1, lambda: asyncio.run(sdk_create(bulk_sim, batches.pop())))
    assert outcome.records == 2_000
    seq_wall, created = best_of(
        1,
        lambda: asyncio.run(sequential_create(bulk_sim.base_url, bulk_sim.api_key, batches.pop())),
    )
    assert created == 2_000
    # Generous: the full run measures ~3.3x; one batch at a time would be ~1x.
    assert seq_wall / sdk_wall >= 2, (seq_wall, sdk_wall)


def test_bulk_exactly_once_under_429s_and_invalid_rows(bulk_sim: Any) -> None:
    bulk_sim.configure(
        latency=LATENCY,
        bulk_item_delay=ITEM_DELAY,
        max_batch=100,
        fault_rate=0.05,
        fault_statuses=(429,),
        retry_after=0.05,
    )
    try:
        bulk_sim.reset_counters()
        rows = list(charger_rows(1_000, prefix="SMKB2", invalid_every=100))
        outcome = asyncio.run(sdk_create(bulk_sim, rows))
        counters = bulk_sim.counters()
    finally:
        bulk_sim.configure(fault_rate=0.0, retry_after=None)
    assert outcome.extra["created"] == outcome.extra["created_unique"] == 990
    assert counters["created_ids_count"] == counters["created_ids_unique"] == 990
    assert outcome.extra["failed_indexes"] == sorted(invalid_indexes(1_000, 100))
    assert outcome.extra["unknown"] == 0


def test_converter_cost_against_hand_written_and_pydantic(sim: Any) -> None:
    sim.configure(latency=0.0, rate=None, fault_rate=0.0)
    bodies, _details = asyncio.run(_fetch(sim.base_url, sim.api_key, 2_000))
    pages = [orjson.loads(b) for b in bodies] * 5

    def cpu(fn: Callable[[], object]) -> float:
        fn()
        best = float("inf")
        for _ in range(3):
            started = time.process_time()
            fn()
            best = min(best, time.process_time() - started)
        return best

    sdk = cpu(lambda: [structure_page(p, Charger).results for p in pages])
    hand = cpu(lambda: [[hand_structure(d) for d in p["results"]] for p in pages])
    pyd = cpu(lambda: [PydPage.model_validate(p).results for p in pages])
    assert sdk / hand <= 4, (sdk, hand)
    assert sdk / pyd <= 1.5, (sdk, pyd)


def test_limiter_reaches_its_configured_rate() -> None:
    async def run() -> float:
        limiter = RateLimiter(RateLimit(rate=1000.0, burst=10))
        stamps = await _paced(limiter, 300, workers=10)
        return (len(stamps) - 10) / (stamps[-1] - stamps[0])

    achieved = asyncio.run(run())
    assert achieved / 1000.0 >= 0.9, achieved
