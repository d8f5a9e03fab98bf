"""``python -m benchmarks [--quick] [--runs N] [--only A1,B1] [--json FILE] [--targets]``.

A6 (the throttle matrix, one run per cell, ~8 minutes) runs only when asked: ``--only A6``.

Runs the scenarios of benchmarks/README.md against the simulator in its own process, SDK and
baselines rotated within each scenario, prints one table row per variant (medians after a warm-up)
and a MET/MISS line for every target of ``benchmarks/_targets.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from epic_async.testing import FakeEpicServer

from ._harness import Config, Report, environment
from ._targets import table

LISTING = ("A0", "A1", "A2", "A3", "A4", "A5", "E")
BULK = ("B1", "B2")
MICRO = ("C", "D")
MATRIX = ("A6",)
ALL = (*LISTING, *BULK, *MICRO, *MATRIX)


def parse(argv: Sequence[str] | None = None) -> tuple[Config, str | None]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="1/10 scale")
    parser.add_argument("--runs", type=int, default=5, help="measured runs (after one warm-up)")
    parser.add_argument("--only", default="", help="comma-separated scenarios, e.g. A1,B1")
    parser.add_argument("--json", default=None, metavar="FILE", help="write every figure here")
    parser.add_argument("--targets", action="store_true", help="print the targets and exit")
    args = parser.parse_args(argv)
    if args.targets:
        print(table())
        parser.exit()
    only = frozenset(s.strip().upper() for s in args.only.split(",") if s.strip()) or None
    if only and not only <= set(ALL):
        parser.error(f"unknown scenario(s) {sorted(only - set(ALL))}; valid: {', '.join(ALL)}")
    if args.runs < 1:
        parser.error("--runs must be >= 1")
    return Config(quick=args.quick, runs=args.runs, only=only), args.json


def run_listing(config: Config, report: Report) -> None:
    from ._listing import ListingBench

    fleet = config.scale(100_000)
    with FakeEpicServer.run_in_process(chargers=fleet, latency=0.0, max_limit=100, seed=1) as sim:
        bench = ListingBench(sim, config, report, fleet)
        bench.validate()
        for name in LISTING:
            if config.wants(name):
                getattr(bench, name.lower())()


def run_bulk(config: Config, report: Report) -> None:
    from ._bulk import BulkBench

    with FakeEpicServer.run_in_process(chargers=10, latency=0.0, seed=2) as sim:
        bench = BulkBench(sim, config, report)
        for name in BULK:
            if config.wants(name):
                getattr(bench, name.lower())()


def run_micro(config: Config, report: Report) -> None:
    from ._micro import MicroBench

    bench = MicroBench(config, report)
    for name in MICRO:
        if config.wants(name):
            getattr(bench, name.lower())()


def run_matrix(config: Config, report: Report) -> None:
    from ._matrix import MatrixBench

    MatrixBench(config, report).a6()


def main(argv: Sequence[str] | None = None) -> int:
    config, json_path = parse(argv)
    env = environment()
    print(
        f"epic_async benchmarks: Python {env['python']}, {env['cpus']} CPUs, {env['platform']}; "
        f"{'quick (1/10 scale)' if config.quick else 'full scale'}, medians of {config.runs} "
        "runs after a warm-up",
        flush=True,
    )
    print(Report.HEADER, flush=True)
    report = Report()
    started = time.perf_counter()
    if any(config.wants(s) for s in LISTING):
        run_listing(config, report)
    if any(config.wants(s) for s in BULK):
        run_bulk(config, report)
    if any(config.wants(s) for s in MICRO):
        run_micro(config, report)
    if config.only is not None and "A6" in config.only:  # long: only when named
        run_matrix(config, report)
    seconds = time.perf_counter() - started
    missed = [t for t in report.targets if not t["met"]]
    print(
        f"done in {seconds:.0f}s; targets met {len(report.targets) - len(missed)}"
        f"/{len(report.targets)}",
        flush=True,
    )
    for t in missed:
        print(
            f"  missed: {t['scenario']} {t['target']}: {t['value']:.3f} "
            f"(target {t['op']} {t['limit']:g})"
        )
    if json_path:
        with open(json_path, "w") as fh:
            json.dump(report.as_dict(config, seconds), fh, indent=1, default=str)
        print(f"wrote {json_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
