"""What the OpenTelemetry integration costs a service that does not trace: A0, three ways.

``python -m benchmarks.tracing_overhead [--runs 5] [--quick] [--total N]``

The A0 listing (100k chargers at L = 0, page 100, C = 10: CPU-bound, so any per-page or
per-request cost shows) in three variants, each run in a fresh interpreter, rotated:

- ``absent``: ``opentelemetry`` made unimportable, as when the ``otel`` extra is not installed;
- ``no-provider``: installed, no tracer provider configured (a service that does not trace);
- ``tracing=False``: installed, turned off for the client;

and, for reference (no target), ``recording``: an SDK provider exporting every span to memory.

Each child lists once to warm up (imports, the first client), then the measured listing: a fresh
``asyncio.run`` and a fresh client, as A0 measures. Each round starts with the next variant in
turn (A B C D, B C D A, ...); the first round is a warm-up and dropped. The figure is, per
round, each variant's wall divided by ``absent``'s wall in the same round, and the median of
those ratios over the rounds (CPU likewise); the target is ``no-provider`` and ``tracing=False``
at most 1.02 x ``absent``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from epic_async import EpicClient
from epic_async.testing import FakeEpicServer

VARIANTS = ("absent", "no-provider", "tracing=False", "recording")
TARGET = 1.02
PAGE = 100
CONCURRENCY = 10

# The child: blocks opentelemetry before anything imports epic_async, when the variant says so.
_CHILD = """
import json, sys
variant, base_url, api_key, total = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if variant == "absent":
    sys.modules["opentelemetry"] = None  # every `import opentelemetry...` raises ImportError
from benchmarks.tracing_overhead import child
print(json.dumps(child(variant, base_url, api_key, total)))
"""


def _client_options(variant: str) -> dict[str, Any]:
    if variant == "tracing=False":
        return {"tracing": False}
    if variant == "recording":
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
        return {"tracer_provider": provider}
    return {}


async def _list(base_url: str, api_key: str, total: int, options: dict[str, Any]) -> int:
    async with EpicClient(api_key=api_key, base_url=base_url, rate_limit=None, **options) as client:
        pager = client.chargers.list(page_size=PAGE, concurrency=CONCURRENCY, max_items=total)
        items = await pager.collect()
    if len({c.id for c in items}) != total:
        raise AssertionError(f"expected {total} distinct chargers, got {len(items)}")
    return len(items)


def child(variant: str, base_url: str, api_key: str, total: int) -> dict[str, Any]:
    """One measured listing in this interpreter (after a warm-up one)."""
    options = _client_options(variant)
    asyncio.run(_list(base_url, api_key, min(total, 2_000), options))
    cpu0, wall0 = time.process_time(), time.perf_counter()
    records = asyncio.run(_list(base_url, api_key, total, options))
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    loaded = sorted(m for m in sys.modules if m.startswith("opentelemetry") and sys.modules[m])
    return {"wall": wall, "cpu": cpu, "records": records, "otel_modules": len(loaded)}


def _run_child(variant: str, sim: Any, total: int) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, variant, sim.base_url, sim.api_key, str(total)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,  # where `benchmarks` imports from
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def per_round_ratios(rounds: list[dict[str, dict[str, Any]]], figure: str) -> dict[str, float]:
    """Per round, each variant's ``figure`` over ``absent``'s; the median over rounds (pure).

    >>> per_round_ratios([{"absent": {"wall": 2.0}, "x": {"wall": 2.2}},
    ...                   {"absent": {"wall": 1.0}, "x": {"wall": 1.0}},
    ...                   {"absent": {"wall": 1.0}, "x": {"wall": 1.05}}], "wall")
    {'absent': 1.0, 'x': 1.05}
    """
    names = rounds[0].keys()
    return {
        name: statistics.median(r[name][figure] / r["absent"][figure] for r in rounds)
        for name in names
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.tracing_overhead")
    parser.add_argument("--runs", type=int, default=5, help="measured rounds (after a warm-up)")
    parser.add_argument("--quick", action="store_true", help="10k chargers instead of 100k")
    parser.add_argument("--total", type=int, default=None, help="chargers listed per run")
    args = parser.parse_args(argv)
    total = args.total or (10_000 if args.quick else 100_000)
    rounds: list[dict[str, dict[str, Any]]] = []
    with FakeEpicServer.run_in_process(chargers=total, latency=0.0, max_limit=PAGE, seed=1) as sim:
        for round_no in range(args.runs + 1):
            # Each round starts with the next variant (A B C D, B C D A, ...): whatever the
            # simulator carries from one run to the next falls on every variant alike.
            shift = round_no % len(VARIANTS)
            order = VARIANTS[shift:] + VARIANTS[:shift]
            results = {variant: _run_child(variant, sim, total) for variant in order}
            line = "  ".join(f"{v} {r['wall']:.3f}s" for v, r in results.items())
            print(f"round {round_no}{' (warm-up)' if round_no == 0 else ''}: {line}", flush=True)
            if round_no:
                rounds.append(results)
    walls, cpus = per_round_ratios(rounds, "wall"), per_round_ratios(rounds, "cpu")
    print(f"A0 with tracing, {total} chargers, {args.runs} rounds; median of per-round ratios")
    print(f"{'variant':<15}{'wall s':>9}{'wall/absent':>13}{'cpu/absent':>12}{'otel modules':>14}")
    for variant in VARIANTS:
        wall = statistics.median(r[variant]["wall"] for r in rounds)
        modules = rounds[-1][variant]["otel_modules"]
        print(
            f"{variant:<15}{wall:>9.3f}{walls[variant]:>13.3f}{cpus[variant]:>12.3f}{modules:>14}"
        )
    missed = [v for v in ("no-provider", "tracing=False") if walls[v] > TARGET]
    for variant in ("no-provider", "tracing=False"):
        verdict = "MISS" if variant in missed else "MET "
        print(f"    [{verdict}] {variant}: wall / absent {walls[variant]:.3f} (target <= {TARGET})")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
