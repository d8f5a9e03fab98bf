"""Every target the harness checks, in one table (``python -m benchmarks --targets`` prints it).

Figures are ratios measured side by side in one run, medians of the measured runs unless the
label says otherwise ("worst run", "runs ok"). A scenario checks a figure with
``report.check(scenario, key, value)``; the verdict (MET/MISS) comes from the table only.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["TARGETS", "Target", "lookup", "table"]

Op = Literal["<=", "<", ">=", "=="]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le,
    "<": operator.lt,
    ">=": operator.ge,
    "==": operator.eq,
}


@dataclass(frozen=True)
class Target:
    scenario: str
    key: str  # what the scenario code passes to ``report.check``
    what: str  # printed label; may hold ``{name}`` fields filled by ``check(..., **fmt)``
    op: Op
    limit: float

    def met(self, value: float) -> bool:
        return _OPS[self.op](value, self.limit)

    def label(self, **fmt: Any) -> str:
        return self.what.format(**fmt) if fmt else self.what


def _t(scenario: str, key: str, what: str, op: Op, limit: float) -> Target:
    return Target(scenario, key, what, op, limit)


_ONCE = "every record exactly once (runs ok)"

TARGETS: tuple[Target, ...] = (
    _t("VAL", "raw-eff", "raw aiohttp efficiency", ">=", 0.9),
    # A0: 100k chargers, 1000 pages x 100, L = 0 (CPU-bound).
    _t("A0", "vs-raw", "SDK / raw-floor wall", "<=", 0.7),
    _t("A0", "vs-httpx", "SDK / httpx+pydantic wall", "<", 1.0),
    _t("A0", "once", _ONCE, "==", 1),
    # A1, A2: unchanged.
    _t("A1", "eff", "efficiency", ">=", 0.9),
    _t("A1", "vs-naive", "naive / SDK wall", ">=", 9),
    _t("A1", "once", _ONCE, "==", 1),
    _t("A2", "vs-floor", "SDK / floor", "<=", 1.15),
    _t("A2", "once", _ONCE, "==", 1),
    # A3: server R = 200/s, b = 10; the client is told R.
    _t("A3", "rate", "achieved page rate / R", ">=", 0.95),
    _t("A3", "429", "429s (worst run)", "==", 0),
    _t("A3", "once", _ONCE, "==", 1),
    # A4: same server; the client is not told R (adaptive).
    _t("A4", "rate", "achieved page rate / R", ">=", 0.85),
    _t("A4", "429", "429s / requests (worst run)", "<=", 0.03),
    _t("A4", "once", _ONCE, "==", 1),
    # A6: the throttle matrix (benchmarks/_matrix.py): per-cell figures are reported, not judged.
    _t("A6", "once", "every listing complete, every record once (all cells)", "==", 1),
    _t("A6", "told-429", "429s / requests when told the DRF rate (parse cells, worst)", "==", 0),
    # A5, E: unchanged.
    _t("A5", "once", _ONCE, "==", 1),
    _t("A5", "vs-a2", "SDK / A2 SDK wall", "<=", 1.3),
    _t("E", "vs-async", "sync / async wall", "<=", 1.1),
    _t("E", "once", "sync: every record exactly once", "==", 1),
    # B1: 10k chargers, <= 100 per POST, 20 ms + 0.1 ms per item.
    _t("B1", "vs-floor", "SDK / floor", "<=", 1.2),
    _t("B1", "vs-seq", "sequential / SDK wall", ">=", 6),
    _t("B1", "cpu-row", "SDK client CPU µs per row", "<=", 40),
    _t("B1", "prep-row", "CPU µs to prepare one dict row (gc on)", "<=", 10),
    _t("B1", "once", "all rows created once (runs ok)", "==", 1),
    # B2: unchanged.
    _t("B2", "once", "exactly {valid} created once, {bad} invalid reported", "==", 1),
    # C: structuring without HTTP.
    _t("C", "vs-hand/gc", "SDK / hand-written attrs CPU (gc)", "<=", 1.0),
    _t("C", "vs-hand/nogc", "SDK / hand-written attrs CPU (nogc)", "<=", 1.0),
    _t("C", "vs-pyd/gc", "SDK / pydantic CPU (gc)", "<=", 1.0),
    _t("C", "vs-pyd/nogc", "SDK / pydantic CPU (nogc)", "<=", 1.0),
    _t("C", "bytes", "CPU µs per record from bytes (65 KB page, gc on)", "<=", 5),
    # D: the limiter alone.
    _t("D", "rate-paced", "paced: achieved / configured rate (worst)", ">=", 0.95),
    _t("D", "rate-cancel", "10k-50%-cancel: achieved / configured rate (worst)", ">=", 0.95),
    _t("D", "cpu-waiter", "CPU µs per waiter (10k waiters, 50% cancelled)", "<=", 10),
    _t("D", "cpu-acquire", "CPU µs per acquire (uncontended)", "<=", 5),
)

_BY_KEY = {(t.scenario, t.key): t for t in TARGETS}
assert len(_BY_KEY) == len(TARGETS), "duplicate (scenario, key) in TARGETS"


def lookup(scenario: str, key: str) -> Target:
    return _BY_KEY[(scenario, key)]


def table() -> str:
    """The table as text, one target a line."""
    return "\n".join(f"{t.scenario:<4} {t.what} {t.op} {t.limit:g}" for t in TARGETS)
