"""Bulk scenarios: B1 (create 10k chargers vs one batch at a time) and B2 (429s + invalid rows)."""

from __future__ import annotations

import asyncio
import gc
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from epic_async import EpicClient, RetryPolicy
from epic_async._bulk_plan import Row
from epic_async._codec import dumps
from epic_async._rowcheck import RowChecker
from epic_async._validation import DuplicateTracker, charger_key, charger_rules
from epic_async.models import ChargerCreate
from epic_async.testing.rows import charger_rows, invalid_indexes

from ._baselines import sequential_create
from ._harness import Config, Outcome, Report, Sim, rotate

__all__ = ["BulkBench", "prepare_rows", "sdk_create"]

BATCH = 100
CONCURRENCY = 8
# Per POST of 100 rows: 20 ms + 100 x 0.1 ms. The simulator's latency already includes its own
# work (the per-item sleep), so L is set to the sum: every full batch answers after 30 ms.
ITEM_DELAY = 0.0001
LATENCY = 0.02 + BATCH * ITEM_DELAY


async def sdk_create(
    sim: Sim, rows: list[dict[str, Any]], *, concurrency: int = CONCURRENCY
) -> Outcome:
    """``client.chargers.create_many(rows)``; the outcome carries every bucket's indexes.

    Every created charger is touched (its id read) inside the timed run, so that no part of the
    work (structuring the answers, say) can leave the timer by being deferred."""
    async with EpicClient(
        api_key=sim.api_key,
        base_url=sim.base_url,
        rate_limit=None,
        retry=RetryPolicy(max_attempts=8, backoff_initial=0.05),
    ) as client:
        result = await client.chargers.create_many(rows, batch_size=BATCH, concurrency=concurrency)
        ids = {charger.id for charger in result.created}
        metrics = client.metrics.as_dict()
    return Outcome(
        len(result.created_indexes),
        {
            "created": len(result.created_indexes),
            "created_unique": len(set(result.created_indexes)),
            "created_ids_seen": len(ids),
            "failed_indexes": sorted(f.index for f in result.failed),
            "unknown": len(result.unknown),
            "client_requests": metrics["requests"],
            "client_429": metrics["throttled"],
        },
    )


def prepare_rows(rows: list[dict[str, Any]]) -> Outcome:
    """What ``create_many`` does to each plain dict row before it is sent: read and check it in
    one pass (every field, every cross-field rule, unknown keys) into its body entry, check its
    unique key against the input's, wrap it as a planner row, and serialise it in its batch."""
    checker = RowChecker(ChargerCreate, charger_rules)
    duplicates = DuplicateTracker("charger_point_id")
    batch: list[Row] = []
    prepared = size = 0
    for index, row in enumerate(rows):
        payload, errors = checker(row)
        key = charger_key(payload)
        duplicate = duplicates.check(key, index) if key is not None else None
        if errors or duplicate:
            raise ValueError(f"row {index} is invalid: {errors or duplicate}")
        batch.append(Row(index, row, payload, key))
        if len(batch) == BATCH or index == len(rows) - 1:
            # As in create_many, a row lives until its batch is sent (here: serialised).
            size += len(dumps({"chargers": [r.payload for r in batch]}))
            prepared += len(batch)
            batch = []
    return Outcome(prepared, {"body_bytes": size})


def _gc_on(fn: Callable[[], Outcome]) -> Callable[[], Outcome]:
    def run() -> Outcome:
        was = gc.isenabled()
        gc.enable()
        try:
            return fn()
        finally:
            if not was:
                gc.disable()

    return run


def bulk_floor(rows: int, concurrency: int, w_cpu: float = 0.0) -> float:
    """``ceil(batches / C) x L_batch``, or the client's own CPU work if that is longer."""
    return max(math.ceil(math.ceil(rows / BATCH) / concurrency) * LATENCY, w_cpu)


@dataclass
class BulkBench:
    sim: Sim
    config: Config
    report: Report
    _serial: itertools.count[int] = field(default_factory=itertools.count)
    _rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def _prepare(self, name: str, count: int, invalid_every: int | None) -> None:
        # Fresh charger_point_ids for every run (they are unique server-side), built off the clock.
        prefix = f"{name[:3].upper()}{next(self._serial)}"
        self._rows[name] = list(charger_rows(count, prefix=prefix, invalid_every=invalid_every))

    def _variant(self, name: str, fn: Callable[[list[dict[str, Any]]], Outcome]) -> Any:
        return lambda: fn(self._rows.pop(name))

    def b1(self) -> None:
        total = self.config.scale(10_000)
        self.sim.configure(
            latency=LATENCY, bulk_item_delay=ITEM_DELAY, max_batch=BATCH, fault_rate=0.0, rate=None
        )
        sim = self.sim

        def sdk(rows: list[dict[str, Any]]) -> Outcome:
            return asyncio.run(sdk_create(sim, rows))

        def seq(rows: list[dict[str, Any]]) -> Outcome:
            return Outcome(asyncio.run(sequential_create(sim.base_url, sim.api_key, rows)))

        variants = {
            "sdk": self._variant("sdk", sdk),
            "sequential": self._variant("sequential", seq),
        }
        res = rotate(
            variants, self.config.runs, sim, before=lambda n: self._prepare(n, total, None)
        )
        floor = bulk_floor(total, CONCURRENCY, w_cpu=res["sequential"].cpu)
        self.report.add("B1", res, floor=floor, baselines=("sequential",))
        self.report.check("B1", "vs-floor", res["sdk"].wall / floor)
        self.report.check("B1", "vs-seq", res["sequential"].wall / res["sdk"].wall)
        self.report.check("B1", "cpu-row", res["sdk"].cpu / total * 1e6)
        ok = all(
            s.records == total
            and s.extra["created_ids_unique"] == total
            and s.extra["created_ids_seen"] == total
            for s in res["sdk"].samples
        )
        self.report.check("B1", "once", float(ok))
        self.report.note(
            "B1",
            f"{total} rows, max_batch={BATCH}, {LATENCY * 1e3:.0f} ms per POST of {BATCH} "
            f"(20 ms + {BATCH} x 0.1 ms), SDK concurrency={CONCURRENCY}; "
            "floor uses the sequential client's CPU as W_cpu",
        )
        self._prepare_row(total)

    def _prepare_row(self, total: int) -> None:
        """Micro-measure, no HTTP: CPU to prepare one plain dict row as ``create_many`` does."""
        rows = list(charger_rows(total, prefix="PREP"))
        res = rotate({"prepare-row": _gc_on(lambda: prepare_rows(rows))}, self.config.runs)
        self.report.add("B1", res, subject="")
        self.report.check("B1", "prep-row", res["prepare-row"].cpu / total * 1e6)
        self.report.note(
            "B1",
            f"prepare-row: {total} plain dict rows, no HTTP, gc on: the one-pass row check "
            "(fields, rules, unknown keys) into the body entry + unique key check + batch JSON",
        )

    def b2(self) -> None:
        total = self.config.scale(10_000)
        every = 100
        self.sim.configure(
            latency=LATENCY,
            bulk_item_delay=ITEM_DELAY,
            max_batch=BATCH,
            fault_rate=0.05,
            fault_statuses=(429,),
            retry_after=0.05,
            rate=None,
        )
        sim = self.sim

        def sdk(rows: list[dict[str, Any]]) -> Outcome:
            return asyncio.run(sdk_create(sim, rows))

        res = rotate(
            {"sdk": self._variant("sdk", sdk)},
            self.config.runs,
            sim,
            before=lambda n: self._prepare(n, total, every),
        )
        valid = total - len(invalid_indexes(total, every))
        floor = bulk_floor(valid, CONCURRENCY)
        self.report.add("B2", res, floor=floor)
        bad = sorted(invalid_indexes(total, every))
        checks = []
        for s in res["sdk"].samples:
            e = s.extra
            checks.append(
                e["created"] == valid
                and e["created_unique"] == valid
                and e["created_ids_count"] == valid
                and e["created_ids_unique"] == valid
                and e["failed_indexes"] == bad
                and e["unknown"] == 0
            )
        self.report.check("B2", "once", float(all(checks)), valid=valid, bad=len(bad))
        self.sim.configure(fault_rate=0.0, retry_after=None)
        self.report.note(
            "B2",
            f"B1 + 5% random 429 (Retry-After: 0.05) + every {every}th row invalid; "
            f"server created_ids_count/unique per run: "
            f"{[(s.extra['created_ids_count'], s.extra['created_ids_unique']) for s in res['sdk'].samples]}",
        )
