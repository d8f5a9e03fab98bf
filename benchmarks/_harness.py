"""Harness: run variants side by side (rotated), measure wall/CPU/RSS, take medians, print, dump JSON.

A *variant* is a zero-argument callable returning an :class:`Outcome` (records handled plus
anything to check). :func:`rotate` runs ``[warm-up] + runs`` rounds of every variant in turn
(A B C A B C ...), resetting the simulator's counters before each run and reading them back after,
and keeps the medians of the measured rounds.
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Protocol

import psutil  # type: ignore[import-untyped]

from ._targets import lookup

__all__ = [
    "Config",
    "Outcome",
    "Report",
    "Result",
    "Sim",
    "environment",
    "listing_floor",
    "paced_rate",
    "rotate",
    "with_gc",
]


class Sim(Protocol):
    """What the benchmarks use of ``FakeEpicServer.run_in_process(...)``."""

    base_url: str
    api_key: str

    def counters(self) -> dict[str, Any]: ...

    def configure(self, **knobs: Any) -> None: ...

    def reset_counters(self) -> None: ...


@dataclass
class Config:
    quick: bool = False
    runs: int = 5
    only: frozenset[str] | None = None

    def scale(self, full: int) -> int:
        return max(1, full // 10) if self.quick else full

    def wants(self, scenario: str) -> bool:
        return self.only is None or scenario in self.only


@dataclass
class Outcome:
    """What one run of a variant did: records handled, and figures to check (429s, ids ...)."""

    records: int
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Sample:
    wall: float
    cpu: float
    peak_rss: int
    records: int
    requests: int
    throttled: int
    max_in_flight: int
    extra: dict[str, Any]


@dataclass
class Result:
    """Medians of one variant in one scenario."""

    name: str
    samples: list[Sample]

    def median(self, attr: str) -> float:
        return statistics.median(float(getattr(s, attr)) for s in self.samples)

    @property
    def wall(self) -> float:
        return self.median("wall")

    @property
    def cpu(self) -> float:
        return self.median("cpu")

    def as_dict(self) -> dict[str, Any]:
        keys = ("wall", "cpu", "peak_rss", "records", "requests", "throttled", "max_in_flight")
        out: dict[str, Any] = {k: self.median(k) for k in keys}
        out["walls"] = [s.wall for s in self.samples]
        out["extra"] = [s.extra for s in self.samples]
        return out


class _RssSampler:
    """Peak RSS of this process while a run lasts (sampled every 10 ms in a thread)."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self._stop = threading.Event()
        self.peak = self._proc.memory_info().rss
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self._proc.memory_info().rss)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._proc.memory_info().rss)


def _measure(fn: Callable[[], Outcome], sim: Sim | None) -> Sample:
    if sim is not None:
        sim.reset_counters()
    with _RssSampler() as rss:
        cpu0, wall0 = time.process_time(), time.perf_counter()
        outcome = fn()
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    counters = sim.counters() if sim is not None else {}
    extra = dict(outcome.extra)
    if sim is not None:
        extra.setdefault("created_ids_count", counters.get("created_ids_count", 0))
        extra.setdefault("created_ids_unique", counters.get("created_ids_unique", 0))
        extra.setdefault("faults_injected", counters.get("faults_injected", 0))
    return Sample(
        wall=wall,
        cpu=cpu,
        peak_rss=rss.peak,
        records=outcome.records,
        requests=int(counters.get("requests", extra.get("requests", 0))),
        throttled=int(counters.get("by_status", {}).get("429", 0)),
        max_in_flight=int(counters.get("max_in_flight", 0)),
        extra=extra,
    )


def with_gc(fn: Callable[[], Outcome], enabled: bool) -> Callable[[], Outcome]:
    """``fn`` run with the cyclic garbage collector on or off (restored after)."""

    def run() -> Outcome:
        was = gc.isenabled()
        if not enabled:
            gc.disable()
        try:
            return fn()
        finally:
            if was:
                gc.enable()

    return run


def rotate(
    variants: Mapping[str, Callable[[], Outcome]],
    runs: int,
    sim: Sim | None = None,
    *,
    warmup: bool = True,
    before: Callable[[str], None] | None = None,
) -> dict[str, Result]:
    """Run every variant ``runs`` times (after one warm-up round), rotated A B C A B C."""
    results = {name: Result(name, []) for name in variants}
    for round_no in range(runs + (1 if warmup else 0)):
        for name, fn in variants.items():
            if before is not None:
                before(name)
            sample = _measure(fn, sim)
            if warmup and round_no == 0:
                continue
            results[name].samples.append(sample)
    return results


def listing_floor(
    pages: int,
    latency: float,
    concurrency: int,
    *,
    rate: float | None = None,
    burst: int = 0,
    w_cpu: float = 0.0,
) -> float:
    """``T_floor = L + max(ceil((N-1)/C)·L, (N-1-b)/R + L, W_cpu)`` for N pages of a listing."""
    terms = [math.ceil((pages - 1) / concurrency) * latency, w_cpu]
    if rate:
        terms.append(max(0.0, pages - 1 - burst) / rate + latency)
    return latency + max(terms)


def paced_rate(pages: int, wall: float, latency: float, burst: int) -> float:
    """Pages per second past the burst: ``(N-1-b) / (wall - 2L)``, the inverse of the floor's
    rate term, so a client exactly at the floor ``(N-1-b)/R + 2L`` scores R."""
    span = wall - 2 * latency
    return max(0, pages - 1 - burst) / span if span > 0 else 0.0


def _versions() -> dict[str, str]:
    names = ("epic_async", "aiohttp", "orjson", "attrs", "cattrs", "httpx", "pydantic", "psutil")
    out = {}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "?"
    return out


def environment() -> dict[str, Any]:
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "processor": platform.processor(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "versions": _versions(),
    }


@dataclass
class Row:
    scenario: str
    variant: str
    result: Result
    floor: float | None
    ratios: dict[str, float]
    note: str = ""


class Report:
    """Collects rows and target verdicts; prints a table; dumps JSON."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.targets: list[dict[str, Any]] = []
        self.notes: dict[str, str] = {}
        self.figures: dict[str, dict[str, Any]] = {}

    def add(
        self,
        scenario: str,
        results: Mapping[str, Result],
        *,
        floor: float | None = None,
        baselines: Sequence[str] = (),
        subject: str = "sdk",
    ) -> None:
        """Rows for every variant; the subject gets its ratio to each baseline."""
        for name, res in results.items():
            ratios = {}
            if name == subject:
                ratios = {b: res.wall / results[b].wall for b in baselines if b in results}
            self.rows.append(Row(scenario, name, res, floor, ratios))
            self._print_row(self.rows[-1])

    def check(self, scenario: str, key: str, value: float, **fmt: Any) -> bool:
        """Judge ``value`` against the target ``(scenario, key)`` of :data:`TARGETS`; print it."""
        spec = lookup(scenario, key)
        ok = spec.met(value)
        what = spec.label(**fmt)
        entry = {
            "scenario": scenario,
            "target": what,
            "value": value,
            "op": spec.op,
            "limit": spec.limit,
            "met": ok,
        }
        self.targets.append(entry)
        verdict = "MET " if ok else "MISS"
        print(
            f"    [{verdict}] {scenario}: {what}: {value:.3f} (target {spec.op} {spec.limit:g})",
            flush=True,
        )
        return ok

    def figure(self, scenario: str, name: str, value: Any) -> None:
        """A figure without a target, kept in the JSON (print it with :meth:`note`)."""
        self.figures.setdefault(scenario, {})[name] = value

    def note(self, scenario: str, text: str) -> None:
        self.notes[scenario] = f"{self.notes[scenario]}\n{text}" if scenario in self.notes else text
        print(f"  {scenario}: {text}", flush=True)

    HEADER = (
        f"{'scn':<4} {'variant':<15} {'wall s':>8} {'cpu s':>7} {'req':>6} {'429':>5} "
        f"{'rss MB':>7} {'rec/s':>9} {'µs/rec':>7} {'floor s':>7} {'eff':>5}  ratios"
    )

    @staticmethod
    def _print_row(row: Row) -> None:
        res = row.result
        wall, records = res.wall, res.median("records")
        rate = records / wall if wall else 0.0
        us = wall / records * 1e6 if records else 0.0
        floor = f"{row.floor:7.3f}" if row.floor else f"{'-':>7}"
        eff = f"{row.floor / wall:5.2f}" if row.floor else f"{'-':>5}"
        ratios = " ".join(f"{k}={v:.2f}x" for k, v in row.ratios.items())
        print(
            f"{row.scenario:<4} {row.variant:<15} {wall:8.3f} {res.cpu:7.3f} "
            f"{res.median('requests'):6.0f} {res.median('throttled'):5.0f} "
            f"{res.median('peak_rss') / 2**20:7.1f} {rate:9.0f} {us:7.2f} {floor} {eff}  {ratios}",
            flush=True,
        )

    def as_dict(self, config: Config, seconds: float) -> dict[str, Any]:
        return {
            "environment": environment(),
            "config": {"quick": config.quick, "runs": config.runs},
            "total_seconds": seconds,
            "rows": [
                {
                    "scenario": r.scenario,
                    "variant": r.variant,
                    "floor": r.floor,
                    "efficiency": (r.floor / r.result.wall) if r.floor else None,
                    "ratios": r.ratios,
                    **r.result.as_dict(),
                }
                for r in self.rows
            ],
            "targets": self.targets,
            "notes": self.notes,
            "figures": self.figures,
        }
